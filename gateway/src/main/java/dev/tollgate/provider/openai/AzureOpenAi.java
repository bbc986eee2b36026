package dev.tollgate.provider.openai;

import dev.tollgate.api.Endpoint;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.ProviderRequest;
import dev.tollgate.provider.UpstreamException;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Azure OpenAI Service: OpenAI's request and response bodies, sent to
 * {@code {base-url}/openai/deployments/{deployment}/chat/completions?api-version=...} (likewise
 * {@code /completions} and {@code /embeddings}) with the resource key in an {@code api-key} header.
 * The deployment is the upstream model name of the Tollgate deployment, so
 * {@code { provider: azure, model: my-gpt-4o }} calls the Azure deployment {@code my-gpt-4o}.
 *
 * <p>Errors read as OpenAI's, except Azure's content filter: a prompt it blocks is a 400 whose
 * {@code error.code} is {@code content_filter} (older API versions say so only in
 * {@code innererror.code: ResponsibleAIPolicyViolation}, with the categories in
 * {@code innererror.content_filter_result}). It reaches the client as OpenAI's envelope with code
 * {@code content_filter} and Azure's message. An answer that the filter cut short is a 200 with
 * {@code finish_reason: content_filter} and passes through untouched.
 */
final class AzureOpenAi implements OpenAiCompatibleAdapter.Dialect {

    private final String apiKey;
    private final String deployments;
    private final String query;
    /** Per endpoint, the URI of each deployment seen: the deployments are the configured ones, so this stays small. */
    private final Map<Endpoint, Map<String, URI>> uris = new EnumMap<>(Endpoint.class);

    AzureOpenAi(TollgateConfig.Provider provider) {
        this.apiKey = provider.apiKey();
        String base = provider.baseUrl().toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        if (base.endsWith("/openai")) {
            base = base.substring(0, base.length() - "/openai".length()); // the endpoint as the portal shows it, or with /openai
        }
        this.deployments = base + "/openai/deployments/";
        String version = provider.cloud() != null && provider.cloud().apiVersion() != null
                ? provider.cloud().apiVersion() : ConfigReader.DEFAULT_AZURE_API_VERSION;
        this.query = "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
        for (Endpoint e : Endpoint.values()) {
            uris.put(e, new ConcurrentHashMap<>());
        }
    }

    @Override
    public URI uri(ProviderRequest request) {
        Endpoint endpoint = request.request().endpoint();
        return uris.get(endpoint).computeIfAbsent(request.upstreamModel(), deployment -> URI.create(
                deployments + URLEncoder.encode(deployment, StandardCharsets.UTF_8).replace("+", "%20")
                        + endpoint.upstreamPath() + query));
    }

    @Override
    public void authenticate(HttpHeaders headers) {
        if (apiKey != null && !apiKey.isEmpty()) {
            headers.set("api-key", apiKey);
        }
    }

    @Override
    public UpstreamException error(String provider, int status, byte[] body, Duration retryAfter) {
        UpstreamException e = OpenAiWire.httpError(provider, status, body, retryAfter);
        if (status != 400 || !contentFilter(e.errorCode(), body)) {
            return e;
        }
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, status, e.getMessage(), retryAfter,
                "invalid_request_error", "content_filter", e.errorParam() != null ? e.errorParam() : "prompt", null);
    }

    /** Whether a 400 is the content filter's verdict on the prompt. */
    static boolean contentFilter(String code, byte[] body) {
        if ("content_filter".equals(code)) {
            return true;
        }
        try {
            JsonNode inner = OpenAiWire.JSON.readTree(body).path("error").path("innererror");
            return "ResponsibleAIPolicyViolation".equals(inner.path("code").asString(null))
                    || inner.path("content_filter_result").isObject();
        } catch (JacksonException notJson) {
            return false;
        }
    }
}
