package dev.tollgate.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseSplitterTest {

    private static final String TRANSCRIPT = "data: {\"choices\":[{\"delta\":{\"content\":\"Héllo\"}}]}\n\n"
            + ": keep-alive comment\n\n"
            + "event: message\r\ndata: {\"a\":1}\r\n\r\n"
            + "data: line1\ndata: line2\n\n"
            + "data: [DONE]\n\n";

    @Test
    void splitsEventsWhereverTheNetworkCutsTheBytes() {
        byte[] bytes = TRANSCRIPT.getBytes(StandardCharsets.UTF_8);
        List<SseSplitter.Event> whole = new SseSplitter().feed(bytes);
        assertThat(whole).extracting(SseSplitter.Event::data).containsExactly(
                "{\"choices\":[{\"delta\":{\"content\":\"Héllo\"}}]}", "{\"a\":1}", "line1\nline2", "[DONE]");
        assertThat(whole.get(1).name()).isEqualTo("message");

        for (int cut = 1; cut < bytes.length; cut++) {
            SseSplitter splitter = new SseSplitter();
            List<SseSplitter.Event> events = new ArrayList<>(splitter.feed(Arrays.copyOfRange(bytes, 0, cut)));
            events.addAll(splitter.feed(Arrays.copyOfRange(bytes, cut, bytes.length)));
            assertThat(events).as("cut at byte %d", cut).isEqualTo(whole);
        }
    }

    @Test
    void byteAtATime() {
        SseSplitter splitter = new SseSplitter();
        List<SseSplitter.Event> events = new ArrayList<>();
        for (byte b : TRANSCRIPT.getBytes(StandardCharsets.UTF_8)) {
            events.addAll(splitter.feed(new byte[] {b}));
        }
        assertThat(events).hasSize(4);
    }

    @Test
    void flushReturnsAnUnterminatedLastEvent() {
        SseSplitter splitter = new SseSplitter();
        assertThat(splitter.feed("data: x".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(splitter.flush().data()).isEqualTo("x");
        assertThat(splitter.flush()).isNull();
    }

    @Test
    void anEventPastTheBoundFailsInsteadOfGrowingWhileCompleteEventsOfAnySizeBeforeItPass() {
        SseSplitter splitter = new SseSplitter(1024);
        byte[] big = ("data: " + "y".repeat(900) + "\n\n").getBytes(StandardCharsets.UTF_8);
        assertThat(splitter.feed(big)).hasSize(1);
        byte[] part = ("x".repeat(400)).getBytes(StandardCharsets.UTF_8);
        splitter.feed("data: ".getBytes(StandardCharsets.UTF_8));
        splitter.feed(part);
        splitter.feed(part);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> splitter.feed(part))
                .isInstanceOf(SseSplitter.EventTooLargeException.class).hasMessageContaining("grew past 1024 bytes");
    }

    @Test
    void aSeparatorSplitAcrossReadsIsFound() {
        SseSplitter splitter = new SseSplitter();
        assertThat(splitter.feed("data: a\r\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(splitter.feed("\r".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(splitter.feed("\ndata: b\n".getBytes(StandardCharsets.UTF_8))).extracting(SseSplitter.Event::data).containsExactly("a");
        assertThat(splitter.feed("\n".getBytes(StandardCharsets.UTF_8))).extracting(SseSplitter.Event::data).containsExactly("b");
    }
}
