package dev.tollgate.api;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * An error the client sees as the OpenAI envelope {@code {"error":{"message","type","param","code"}}}
 * with {@link #status()}. Every failure path ends in one of these, so clients' SDKs raise their
 * usual error classes (BadRequestError, AuthenticationError, NotFoundError, RateLimitError, ...).
 */
public class GatewayException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String code;
    private final String param;
    private final Duration retryAfter;
    private Boolean shouldRetry;

    public GatewayException(HttpStatus status, String type, String code, String param, String message) {
        this(status, type, code, param, message, null, null);
    }

    public GatewayException(HttpStatus status, String type, String code, String param, String message,
            Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfter = retryAfter;
    }

    public static GatewayException invalidRequest(String param, String message) {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_value", param, message);
    }

    public static GatewayException missingParam(String param, String message) {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "missing_required_parameter", param, message);
    }

    public static GatewayException invalidJson(String message) {
        return new GatewayException(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_json", null, message);
    }

    public static GatewayException unauthorized(String message) {
        return new GatewayException(HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key", null, message);
    }

    public static GatewayException modelNotAllowed(String model, String keyName) {
        return new GatewayException(HttpStatus.FORBIDDEN, "permission_error", "model_not_allowed", "model",
                "The key '" + keyName + "' is not allowed to use model '" + model
                        + "'. Ask your Tollgate admin to add it to the key's models.");
    }

    public static GatewayException modelNotFound(String model) {
        return new GatewayException(HttpStatus.NOT_FOUND, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist or you do not have access to it. GET /v1/models lists the models this key can use.");
    }

    public static GatewayException tooLarge(long limitBytes) {
        return new GatewayException(HttpStatus.PAYLOAD_TOO_LARGE, "invalid_request_error", "request_too_large", null,
                "Request body exceeds the gateway limit of " + limitBytes + " bytes.");
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    /** Overrides the {@code x-should-retry} header the SDKs obey (a spent budget will not heal in seconds). */
    public GatewayException shouldRetry(boolean retry) {
        this.shouldRetry = retry;
        return this;
    }

    public Boolean shouldRetry() {
        return shouldRetry;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
