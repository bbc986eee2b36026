package dev.tollgate.streaming;

import java.nio.charset.StandardCharsets;

/** SSE framing of what Tollgate sends to clients. */
public final class SseFrames {

    public static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseFrames() {}

    public static byte[] data(byte[] json) {
        byte[] frame = new byte[PREFIX.length + json.length + 2];
        System.arraycopy(PREFIX, 0, frame, 0, PREFIX.length);
        System.arraycopy(json, 0, frame, PREFIX.length, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }

    public static byte[] data(String json) {
        return data(json.getBytes(StandardCharsets.UTF_8));
    }

    /** A named event, {@code event: <name>\ndata: <json>\n\n}, as Anthropic's streams frame theirs. */
    public static byte[] event(String name, byte[] json) {
        byte[] head = ("event: " + name + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[head.length + PREFIX.length + json.length + 2];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(PREFIX, 0, frame, head.length, PREFIX.length);
        System.arraycopy(json, 0, frame, head.length + PREFIX.length, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }
}
