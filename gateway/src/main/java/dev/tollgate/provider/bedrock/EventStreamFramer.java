package dev.tollgate.provider.bedrock;

import dev.tollgate.provider.UpstreamException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import software.amazon.awssdk.eventstream.Message;

/**
 * Cuts {@code application/vnd.amazon.eventstream} bytes, as they arrive in network chunks, into
 * messages. Each message is
 *
 * <pre>
 * total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)
 * </pre>
 *
 * big-endian. This class only finds where a message ends (checking the prelude's CRC before
 * trusting its length); decoding and the message CRC are the SDK's {@link Message#decode}. The
 * SDK's own {@code MessageDecoder} is not used because it allocates a 2 MiB buffer per stream,
 * which a gateway holding many streams open cannot afford; this buffer grows to the largest
 * message seen, typically a few hundred bytes. Not thread-safe: one instance per stream.
 */
final class EventStreamFramer implements dev.tollgate.provider.Transport.Framer<Message> {

    static final int PRELUDE_LENGTH = 12;
    /** Largest message accepted: the format's 16 MiB payload and 128 KiB headers, with room to spare. */
    static final int MAX_MESSAGE_LENGTH = 24 * 1024 * 1024;

    private final String provider;
    private byte[] buffer = new byte[1024];
    private int length;
    private int expected = -1;

    EventStreamFramer(String provider) {
        this.provider = provider;
    }

    /** The messages completed by {@code bytes}; a message cut by a chunk boundary waits for the rest. */
    @Override
    public List<Message> feed(byte[] bytes) {
        append(bytes);
        List<Message> messages = null;
        int start = 0;
        while (true) {
            int available = length - start;
            if (expected < 0) {
                if (available < PRELUDE_LENGTH) {
                    break;
                }
                expected = checkedLength(start);
            }
            if (available < expected) {
                break;
            }
            Message message;
            try {
                message = Message.decode(ByteBuffer.wrap(buffer, start, expected).slice());
            } catch (RuntimeException e) {
                throw protocol("an invalid event-stream message: " + e.getMessage());
            }
            if (messages == null) {
                messages = new ArrayList<>(2);
            }
            messages.add(message);
            start += expected;
            expected = -1;
        }
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, length - start);
            length -= start;
        }
        return messages == null ? List.of() : messages;
    }

    /** Bytes of a message that has not been completed. */
    boolean hasPartialMessage() {
        return length > 0;
    }

    /** The body ended: nothing is left, or a message was cut off. */
    @Override
    public List<Message> end() {
        if (hasPartialMessage()) {
            throw UpstreamException.of(UpstreamException.Kind.CONNECTION_CLOSED,
                    "provider '" + provider + "' ended the stream inside an event-stream message", null);
        }
        return List.of();
    }

    private int checkedLength(int at) {
        CRC32 crc = new CRC32();
        crc.update(buffer, at, 8);
        long wire = Integer.toUnsignedLong(intAt(at + 8));
        if (crc.getValue() != wire) {
            throw protocol(String.format("an event-stream prelude whose checksum failed (expected 0x%x, computed 0x%x)",
                    wire, crc.getValue()));
        }
        long total = Integer.toUnsignedLong(intAt(at));
        long headers = Integer.toUnsignedLong(intAt(at + 4));
        if (total < PRELUDE_LENGTH + 4 + headers || total > MAX_MESSAGE_LENGTH) {
            throw protocol("an event-stream message of impossible length " + total);
        }
        return (int) total;
    }

    private int intAt(int i) {
        return ((buffer[i] & 0xff) << 24) | ((buffer[i + 1] & 0xff) << 16) | ((buffer[i + 2] & 0xff) << 8) | (buffer[i + 3] & 0xff);
    }

    private void append(byte[] bytes) {
        if (length + bytes.length > buffer.length) {
            int size = Math.max(buffer.length * 2, length + bytes.length);
            buffer = java.util.Arrays.copyOf(buffer, size);
        }
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length += bytes.length;
    }

    /** Bytes that are not an event stream (an HTML page, a JSON error): retryable elsewhere. */
    private UpstreamException protocol(String what) {
        return UpstreamException.of(UpstreamException.Kind.BAD_RESPONSE, "provider '" + provider + "' streamed " + what, null);
    }
}
