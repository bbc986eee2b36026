package dev.tollgate.provider.bedrock;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/** ConverseStream bytes for tests, encoded by the AWS SDK's own event-stream encoder. */
public final class EventStreams {

    private EventStreams() {}

    public static byte[] event(String type, String json) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        return encode(headers, json);
    }

    public static byte[] exception(String type, String json) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        return encode(headers, json);
    }

    private static byte[] encode(Map<String, HeaderValue> headers, String json) {
        ByteBuffer buffer = new Message(headers, json.getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    public static byte[] concat(byte[]... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] frame : frames) {
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    /** A streamed text answer: "Hello" + " there", end_turn, with usage (4 of the 25 input tokens read from the cache). */
    public static byte[] textStream() {
        return concat(
                event("messageStart", "{\"p\":\"abcdefgh\",\"role\":\"assistant\"}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hello\"},\"p\":\"abcd\"}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\" there\"},\"p\":\"abcdefghijk\"}"),
                event("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcdefghijklmnopq\"}"),
                event("messageStop", "{\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEF\",\"stopReason\":\"end_turn\"}"),
                event("metadata", "{\"metrics\":{\"latencyMs\":412},\"p\":\"abc\",\"usage\":{\"inputTokens\":21,\"outputTokens\":7,"
                        + "\"totalTokens\":32,\"cacheReadInputTokens\":4,\"cacheWriteInputTokens\":0}}"));
    }
}
