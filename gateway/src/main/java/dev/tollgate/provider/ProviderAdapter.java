package dev.tollgate.provider;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How Tollgate talks to one provider. The canonical shape on both sides is OpenAI's: an adapter
 * for another vendor translates to its wire format and back. Both methods are cold: nothing
 * happens until subscription, and every subscription (every retry or fallback attempt) is a new
 * call. Failures are {@link UpstreamException}s that say whether another attempt may help.
 */
public interface ProviderAdapter {

    Mono<ProviderResponse> call(ProviderRequest request);

    Flux<StreamChunk> stream(ProviderRequest request);
}
