package dev.tollgate.api;

/**
 * How one API writes an error: its body, and the status on the wire, which is the error's own
 * unless the API has a status of its own for it (Anthropic's 529 for an overloaded upstream).
 */
public interface ErrorShape {

    byte[] body(GatewayException error);

    default int status(GatewayException error) {
        return error.status().value();
    }
}
