package dev.tollgate.provider;

import java.time.Duration;

/**
 * A failed attempt at a provider, classified once so that routing can decide: retry the same
 * deployment, move to the next one, or hand the provider's answer to the client.
 */
public class UpstreamException extends RuntimeException {

    public enum Kind {
        /** The provider answered with an HTTP error status. */
        HTTP_STATUS,
        CONNECT_FAILED,
        CONNECT_TIMEOUT,
        FIRST_BYTE_TIMEOUT,
        IDLE_TIMEOUT,
        TOTAL_TIMEOUT,
        /** The connection closed before the answer was complete. */
        CONNECTION_CLOSED,
        /** The circuit breaker of the deployment is open; the provider was not called. */
        CIRCUIT_OPEN,
        /** The provider answered something that is not the protocol. */
        PROTOCOL,
        /**
         * A success status with a body that is no answer: empty, an HTML page, not JSON, not an
         * event stream, or an event larger than the gateway buffers. Another deployment may do better.
         */
        BAD_RESPONSE,
        /** Not called: the deployment is at its configured provider limit or cooling down after a 429. */
        UPSTREAM_LIMIT
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;
    private final String errorType;
    private final String errorCode;
    private final String errorParam;

    public UpstreamException(Kind kind, int status, String message, Duration retryAfter,
            String errorType, String errorCode, String errorParam, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
        this.errorType = errorType;
        this.errorCode = errorCode;
        this.errorParam = errorParam;
    }

    public static UpstreamException of(Kind kind, String message, Throwable cause) {
        return new UpstreamException(kind, 0, message, null, null, null, null, cause);
    }

    /**
     * Connect errors, timeouts, 408, 409 (OpenAI's "conflict, retry"), 429 and 5xx may succeed
     * elsewhere; a 4xx about the request itself (bad input, context too long, auth) will not.
     */
    public boolean retryable() {
        if (kind != Kind.HTTP_STATUS) {
            return kind != Kind.PROTOCOL;
        }
        return status == 408 || status == 409 || status == 429 || status >= 500;
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return status;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public String errorType() {
        return errorType;
    }

    public String errorCode() {
        return errorCode;
    }

    public String errorParam() {
        return errorParam;
    }

    /** A short label for logs, metrics and the usage event's fallback path. */
    public String label() {
        return kind == Kind.HTTP_STATUS ? Integer.toString(status) : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
