package dev.tollgate.routing;

import dev.tollgate.api.GatewayException;
import dev.tollgate.config.TollgateConfig;
import dev.tollgate.provider.UpstreamException;
import dev.tollgate.support.SecretRedactor;
import java.util.List;
import org.springframework.http.HttpStatus;

/** What the client is told when no deployment could answer. */
public final class UpstreamErrors {

    private UpstreamErrors() {}

    public static GatewayException toClient(Throwable error, CallTrace trace, String model) {
        return redacted(unredacted(error, trace, model), trace);
    }

    private static GatewayException unredacted(Throwable error, CallTrace trace, String model) {
        if (error instanceof GatewayException ge) {
            return ge;
        }
        if (!(error instanceof UpstreamException last)) {
            return new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_error", null,
                    "The call to model '" + model + "' failed: " + error.getMessage(), null, error);
        }
        if (!last.retryable()) {
            return passThrough(last);
        }
        List<UpstreamException> failures = trace.failures();
        String attempts = trace.path();
        boolean allOpen = !failures.isEmpty() && failures.stream().allMatch(f -> f.kind() == UpstreamException.Kind.CIRCUIT_OPEN);
        String summary = "Every deployment for model '" + model + "' failed (" + attempts + "). Last error: " + last.getMessage();
        if ((last.kind() == UpstreamException.Kind.HTTP_STATUS && last.status() == 429)
                || last.kind() == UpstreamException.Kind.UPSTREAM_LIMIT) {
            return new GatewayException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_exceeded", "upstream_rate_limited", null,
                    summary, last.retryAfter(), last);
        }
        if (allOpen) {
            return new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "no_healthy_upstream", null,
                    "No healthy deployment for model '" + model + "': every circuit breaker is open (" + attempts
                            + "). Retry shortly.", null, last);
        }
        switch (last.kind()) {
            case FIRST_BYTE_TIMEOUT, IDLE_TIMEOUT, TOTAL_TIMEOUT, CONNECT_TIMEOUT -> {
                return new GatewayException(HttpStatus.GATEWAY_TIMEOUT, "server_error", "upstream_timeout", null, summary, null, last);
            }
            case BAD_RESPONSE -> {
                return new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_bad_response", null, summary, null, last);
            }
            case HTTP_STATUS -> {
                if (overloaded(last)) {
                    return new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "overloaded_error", null,
                            summary + " The provider is overloaded; retry with backoff.", null, last);
                }
                HttpStatus status = last.status() == 503 ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_GATEWAY;
                return new GatewayException(status, "server_error", "upstream_error", null, summary, null, last);
            }
            default -> {
                return new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_unavailable", null, summary, null, last);
            }
        }
    }

    /**
     * No deployment of the model (or its fallbacks) has what the request needs: the client's
     * request asks for something the configured models cannot do, so a 400 naming each
     * deployment and the capability it lacks, rather than a 502 after calling them anyway.
     */
    public static GatewayException incapable(String model, List<RoutingTable.Skip> skipped) {
        if (skipped.isEmpty()) {
            // Nothing was left out for the request's sake: an operator drained every deployment of
            // the model and of its fallbacks (a runtime override), so it is the gateway that cannot serve.
            return new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "no_deployment_available", null,
                    "Every deployment of model '" + model + "' (and of its fallbacks) is switched off by an operator right now. "
                            + "Try again later or use another model.");
        }
        StringBuilder why = new StringBuilder();
        for (RoutingTable.Skip s : skipped) {
            why.append(why.isEmpty() ? "" : "; ").append(s.target().id()).append(" (model '").append(s.target().model())
                    .append("') lacks ").append(s.missing().id()).append(": ").append(s.missing().description());
        }
        RequestNeeds.Capability first = skipped.isEmpty() ? null : skipped.get(0).missing();
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "unsupported_capability",
                first == null ? null : first.param(),
                "No deployment of model '" + model + "' can serve this request: " + why
                        + ". Use a model that supports it, or change the request.").shouldRetry(false);
    }

    /** A stream that broke off after part of the answer reached the client. */
    public static GatewayException midStream(Throwable error, CallTrace trace) {
        DeploymentTarget served = trace.deployment();
        String cause = error instanceof UpstreamException u ? u.getMessage() : String.valueOf(error.getMessage());
        if (error instanceof UpstreamException u && overloaded(u)) {
            // Anthropic's "overloaded_error" event: Claude clients keep the overload signal mid-stream too.
            return redacted(new GatewayException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", "overloaded_error", null,
                    "The stream from " + (served != null ? served.id() : "the provider") + " broke off: the provider is overloaded ("
                            + cause + "); the answer received so far is incomplete.", null, error), trace);
        }
        return redacted(new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_stream_interrupted", null,
                "The stream from " + (served != null ? served.id() : "the provider") + " broke off after it had started ("
                        + cause + "); the answer received so far is incomplete.", null, error), trace);
    }

    /** A 529, or an error the provider itself calls {@code overloaded_error} (Anthropic's, in a stream). */
    private static boolean overloaded(UpstreamException e) {
        return e.kind() == UpstreamException.Kind.HTTP_STATUS && (e.status() == 529 || "overloaded_error".equals(e.errorCode()));
    }

    /**
     * A provider's message may quote the credentials it was sent (a 500 page echoing headers, a
     * proxy's error repeating the request): the secrets of every provider called for this request,
     * and anything shaped like a key, are taken out before the message reaches the client.
     */
    static GatewayException redacted(GatewayException e, CallTrace trace) {
        List<String> secrets = new java.util.ArrayList<>();
        for (DeploymentTarget target : trace.tried()) {
            TollgateConfig.Provider provider = target.provider();
            secrets.add(provider.apiKey());
            if (provider.cloud() != null) {
                secrets.add(provider.cloud().secretAccessKey());
                secrets.add(provider.cloud().sessionToken());
            }
            if (provider.headers() != null) {
                secrets.addAll(provider.headers().values());
            }
        }
        String message = e.getMessage();
        String clean = SecretRedactor.redact(message, secrets);
        if (clean == null || clean.equals(message)) {
            return e;
        }
        GatewayException copy = new GatewayException(e.status(), e.type(), e.code(), e.param(), clean, e.retryAfter(), e.getCause());
        return e.shouldRetry() == null ? copy : copy.shouldRetry(e.shouldRetry());
    }

    /**
     * A provider's verdict on the request itself (invalid, context too long, content policy) goes
     * back with its status and message. Its view of the gateway's own credentials does not: that
     * message can quote part of the provider key, so it is replaced.
     */
    private static GatewayException passThrough(UpstreamException e) {
        if (e.kind() != UpstreamException.Kind.HTTP_STATUS) {
            return new GatewayException(HttpStatus.BAD_GATEWAY, "server_error", "upstream_protocol_error", null,
                    e.getMessage(), null, e);
        }
        HttpStatus status = HttpStatus.resolve(e.status());
        if (status == null) {
            status = HttpStatus.BAD_GATEWAY;
        }
        if (e.status() == 401 || e.status() == 403) {
            return new GatewayException(status, "upstream_auth_error", "upstream_credentials_rejected", null,
                    "The upstream provider rejected the gateway's own credentials (HTTP " + e.status()
                            + "). Your Tollgate key is fine; the gateway's provider configuration needs fixing.", null, e);
        }
        String message = e.getMessage();
        int colon = message.indexOf(": ");
        if (message.startsWith("provider '") && colon > 0) {
            message = message.substring(colon + 2); // the provider's own words
        }
        return new GatewayException(status, e.errorType() != null ? e.errorType() : "invalid_request_error",
                e.errorCode(), e.errorParam(), message, e.retryAfter(), e);
    }
}
