package dev.tollgate.routing;

import java.util.function.LongSupplier;
import reactor.core.publisher.Mono;

/**
 * Whether a deployment may take one more call under its provider's own limits (free tiers): waits
 * briefly for room, or fails with a retryable {@code UPSTREAM_LIMIT} so the next deployment is
 * tried. The returned admission is released with the tokens the call really used.
 */
public interface DeploymentAdmission {

    /** {@code tokens} is only asked for when the deployment has a token limit (counting costs CPU). */
    Mono<Admitted> admit(DeploymentTarget target, String attemptId, LongSupplier tokens);

    interface Admitted {
        void release(long usedTokens);
    }

    Admitted NOTHING = used -> { };

    DeploymentAdmission UNLIMITED = (target, attemptId, tokens) -> Mono.just(NOTHING);
}
