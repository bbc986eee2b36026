package dev.tollgate.provider;

/**
 * The client asked for something a translating provider cannot do: a 400 for the client that no
 * retry or fallback can fix. {@code param} names the offending field, as OpenAI errors do.
 */
public final class UnsupportedRequest extends RuntimeException {

    private final String param;

    public UnsupportedRequest(String param, String message) {
        super(message, null, false, false);
        this.param = param;
    }

    public String param() {
        return param;
    }

    /** The refusal as the attempt's failure, before anything was sent. */
    public UpstreamException toUpstream(String provider) {
        return refused(provider, param, getMessage());
    }

    public static UpstreamException refused(String provider, String param, String message) {
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, 400,
                "provider '" + provider + "' cannot serve this request: " + message, null,
                "invalid_request_error", "unsupported_by_provider", param, null);
    }
}
