package dev.tollgate.streaming;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a byte stream into server-sent events as the bytes arrive. Network reads split events
 * anywhere (mid-line, mid-UTF-8 character); the splitter keeps the unfinished tail and emits
 * only complete events. Handles LF and CRLF line endings. One instance per stream.
 *
 * <p>Each byte is scanned once, and the unfinished tail is bounded: an event that grows past
 * {@code maxEventBytes} without its closing blank line fails the stream with
 * {@link EventTooLargeException} rather than being buffered (and rescanned) until memory or the
 * idle timeout runs out.
 */
public final class SseSplitter {

    /** The default bound of one event: far above any chunk an LLM streams, far below a heap. */
    public static final int DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;

    /** An event's {@code event:} name (null if none) and its joined {@code data:} lines. */
    public record Event(String name, String data) {}

    /** One event grew past the bound without ending. */
    public static final class EventTooLargeException extends RuntimeException {
        private final int limit;

        EventTooLargeException(int limit, int size) {
            super("a single server-sent event grew past " + limit + " bytes (" + size + " bytes without an event end)",
                    null, false, false);
            this.limit = limit;
        }

        public int limit() {
            return limit;
        }
    }

    private final int maxEventBytes;
    private byte[] buf = new byte[0];
    private int length;
    /** Bytes of {@code buf} already searched for an event end. */
    private int scanned;

    public SseSplitter() {
        this(DEFAULT_MAX_EVENT_BYTES);
    }

    public SseSplitter(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    public List<Event> feed(byte[] bytes) {
        append(bytes);
        List<Event> events = new ArrayList<>(2);
        int start = 0;
        // A separator may straddle the previous read's end: look back the longest one (\r\n\r\n) less one.
        int i = Math.max(0, scanned - 3);
        while (i < length) {
            int end = blankLineEnd(buf, i, length);
            if (end > 0) {
                Event e = parse(new String(buf, start, i - start, StandardCharsets.UTF_8));
                if (e != null) {
                    events.add(e);
                }
                start = end;
                i = end;
            } else {
                i++;
            }
        }
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, length - start);
            length -= start;
        }
        scanned = length;
        if (length > maxEventBytes) {
            int size = length;
            length = 0;
            scanned = 0;
            buf = new byte[0];
            throw new EventTooLargeException(maxEventBytes, size);
        }
        return events;
    }

    /** Whatever is left when the stream ends (a last event without the closing blank line). */
    public Event flush() {
        if (length == 0) {
            return null;
        }
        Event e = parse(new String(buf, 0, length, StandardCharsets.UTF_8));
        length = 0;
        scanned = 0;
        return e;
    }

    private void append(byte[] bytes) {
        if (length + bytes.length > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(length + bytes.length, Math.min(buf.length * 2, Integer.MAX_VALUE - 8)));
        }
        System.arraycopy(bytes, 0, buf, length, bytes.length);
        length += bytes.length;
    }

    /** If a blank line (event separator) starts at i, the index just after it, else -1. */
    private static int blankLineEnd(byte[] b, int i, int length) {
        if (b[i] == '\n') {
            if (i + 1 < length && b[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < length && b[i + 1] == '\r' && b[i + 2] == '\n') {
                return i + 3;
            }
        } else if (b[i] == '\r' && i + 3 < length && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
            return i + 4;
        }
        return -1;
    }

    static Event parse(String block) {
        String name = null;
        StringBuilder data = null;
        int start = 0;
        // Lines by hand: String.split with a regex showed as a sixth of a stream's CPU.
        while (start <= block.length()) {
            int end = block.indexOf('\n', start);
            if (end < 0) {
                end = block.length();
            }
            String line = block.substring(start, end > start && block.charAt(end - 1) == '\r' ? end - 1 : end);
            start = end + 1;
            if (line.isEmpty() || line.startsWith(":")) {
                continue; // comments are keep-alives
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("data")) {
                if (data == null) {
                    data = new StringBuilder(value);
                } else {
                    data.append('\n').append(value);
                }
            } else if (field.equals("event")) {
                name = value;
            }
        }
        return data == null ? null : new Event(name, data.toString());
    }
}
