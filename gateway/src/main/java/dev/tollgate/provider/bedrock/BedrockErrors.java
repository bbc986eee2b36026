package dev.tollgate.provider.bedrock;

import dev.tollgate.provider.UpstreamException;
import dev.tollgate.support.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Bedrock's errors as {@link UpstreamException}s. An HTTP error names its exception in the
 * {@code x-amzn-ErrorType} header ({@code ThrottlingException:http://internal.amazon.com/...}) or
 * the body's {@code __type}, with the text in {@code message} (or {@code Message}); a stream
 * error is an event-stream message of type {@code exception} whose {@code :exception-type} header
 * names it in lower camel case. AWS's message is kept word for word; {@code errorCode} is the
 * exception's name ({@code context_length_exceeded} for a prompt that is too long).
 *
 * <pre>
 * exception                      status  retryable  OpenAI type
 * ValidationException            400     no         invalid_request_error
 * AccessDeniedException          403     no         permission_error
 * ResourceNotFoundException      404     no         invalid_request_error
 * ModelTimeoutException          408     yes        server_error
 * ThrottlingException            429     yes        rate_limit_exceeded
 * ModelNotReadyException         429     yes        server_error
 * ServiceQuotaExceededException  429*    yes        rate_limit_exceeded   (* AWS says 400; it is about the account, not the request)
 * ModelErrorException            502*    yes        server_error          (* AWS says 424)
 * ModelStreamErrorException      500*    yes        server_error          (* AWS says 424; AWS advises a retry)
 * InternalServerException        500     yes        server_error
 * ServiceUnavailableException    503     yes        server_error
 * </pre>
 */
final class BedrockErrors {

    private BedrockErrors() {}

    /** An HTTP error answer; {@code errorTypeHeader} is {@code x-amzn-ErrorType}, possibly null. */
    static UpstreamException httpError(String provider, int status, byte[] body, String errorTypeHeader, Duration retryAfter) {
        String type = shortName(errorTypeHeader);
        String message = null;
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root != null && root.isObject()) {
                message = BedrockMapper.str(root.get("message"));
                if (message == null) {
                    message = BedrockMapper.str(root.get("Message"));
                }
                if (type == null) {
                    type = shortName(BedrockMapper.str(root.get("__type")));
                }
            }
        } catch (JacksonException notJson) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            message = text.length() > 300 ? text.substring(0, 300) + "..." : text;
        }
        return of(provider, statusOf(type, status), type, message, retryAfter);
    }

    /** A {@code :message-type: exception} message inside a 200 stream. */
    static UpstreamException streamException(String provider, String exceptionType, JsonNode payload) {
        String type = exceptionType == null || exceptionType.isEmpty() ? null
                : Character.toUpperCase(exceptionType.charAt(0)) + exceptionType.substring(1);
        String message = BedrockMapper.str(payload.get("message"));
        if (message == null) {
            message = BedrockMapper.str(payload.get("Message"));
        }
        return of(provider, statusOf(type, 500), type, message, null);
    }

    /** A {@code :message-type: error} message (a failure of the stream itself). */
    static UpstreamException streamError(String provider, String code, String message) {
        return of(provider, 500, code, message, null);
    }

    private static UpstreamException of(String provider, int status, String type, String message, Duration retryAfter) {
        if (message == null || message.isEmpty()) {
            message = type != null ? type : "HTTP " + status;
        }
        return new UpstreamException(UpstreamException.Kind.HTTP_STATUS, status,
                "provider '" + provider + "' answered " + status + ": " + message, retryAfter,
                openAiType(type, status), errorCode(type, status, message), null, null);
    }

    /** {@code ThrottlingException} from {@code ThrottlingException:http://...} or {@code com.amazon...#ThrottlingException}. */
    static String shortName(String type) {
        if (type == null || type.isBlank()) {
            return null;
        }
        int colon = type.indexOf(':');
        String name = colon >= 0 ? type.substring(0, colon) : type;
        int hash = name.lastIndexOf('#');
        return (hash >= 0 ? name.substring(hash + 1) : name).strip();
    }

    static int statusOf(String type, int status) {
        if (type == null) {
            return status;
        }
        return switch (type) {
            case "ValidationException" -> 400;
            case "AccessDeniedException" -> 403;
            case "ResourceNotFoundException" -> 404;
            case "ModelTimeoutException" -> 408;
            case "ThrottlingException", "ModelNotReadyException", "ServiceQuotaExceededException" -> 429;
            case "ModelErrorException" -> 502;
            case "ModelStreamErrorException", "InternalServerException" -> 500;
            case "ServiceUnavailableException" -> 503;
            default -> status;
        };
    }

    static String openAiType(String type, int status) {
        if ("AccessDeniedException".equals(type)) {
            return "permission_error";
        }
        if ("ThrottlingException".equals(type) || "ServiceQuotaExceededException".equals(type)) {
            return "rate_limit_exceeded";
        }
        if (status == 401 || "UnrecognizedClientException".equals(type)) {
            return "authentication_error";
        }
        if (status == 429) {
            return "ModelNotReadyException".equals(type) ? "server_error" : "rate_limit_exceeded";
        }
        return status >= 500 || status == 408 ? "server_error" : "invalid_request_error";
    }

    private static String errorCode(String type, int status, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (status == 400 && (lower.contains("too long") || lower.contains("context length") || lower.contains("context window")
                || lower.contains("too many input tokens") || lower.contains("input is too long"))) {
            return "context_length_exceeded";
        }
        return type;
    }
}
