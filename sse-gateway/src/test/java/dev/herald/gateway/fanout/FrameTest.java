package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A frame's bytes as its writes see them: a whole HTTP/1.1 chunk or the frame alone, the same before and after a
 * first write moved them off the heap, and never released by a write.
 */
class FrameTest {

    @Test
    void aFirstWriteMovesASmallFrameOffTheHeapOnceWithItsBytesUnchanged() {
        String sse = "id: p1\nevent: notes:created\ndata: {\"a\":1}\n\n";
        Frame frame = Frame.control(sse);
        assertThat(frame.isOffHeap()).as("off the heap before any write").isFalse();

        ByteBuf first = frame.chunk();
        assertThat(first.isDirect()).as("the first write's bytes are direct").isTrue();
        assertThat(frame.isOffHeap()).isTrue();
        assertThat(first.toString(StandardCharsets.US_ASCII))
                .isEqualTo(Integer.toHexString(sse.length()) + "\r\n" + sse + "\r\n");
        ByteBuf alone = frame.slice();
        assertThat(alone.isDirect()).isTrue();
        assertThat(alone.toString(StandardCharsets.UTF_8)).isEqualTo(sse);
        assertThat(frame.toString()).isEqualTo(sse);

        ByteBuf second = frame.chunk();
        assertThat(second.memoryAddress())
                .as("later writes share the one direct copy")
                .isEqualTo(first.memoryAddress());
        first.release(); // what Netty does once a write is done: the frame's bytes stay for the next recipient
        second.release();
        assertThat(frame.chunk().toString(StandardCharsets.US_ASCII))
                .isEqualTo(Integer.toHexString(sse.length()) + "\r\n" + sse + "\r\n");
    }

    @Test
    void aFrameLargerThanTheOffHeapLimitStaysOnTheHeap() {
        String sse = "data: " + "x".repeat(Frame.MAX_OFF_HEAP) + "\n\n";
        Frame frame = Frame.control(sse);

        ByteBuf chunk = frame.chunk();

        assertThat(chunk.isDirect()).isFalse();
        assertThat(frame.isOffHeap()).isFalse();
        assertThat(frame.slice().toString(StandardCharsets.UTF_8)).isEqualTo(sse);
    }

    @Test
    void aFrameWithAnotherIdIsReadFromBytesAlreadyOffTheHeap() {
        Frame frame = Frame.event(
                "id: old\nevent: notes:created\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8),
                "alice",
                1,
                0,
                0,
                4,
                new long[] {5});
        frame.chunk();

        Frame renamed = frame.withId("new", new long[] {9});

        assertThat(renamed.toString()).isEqualTo("id: new\nevent: notes:created\ndata: {}\n\n");
        assertThat(renamed.isOffHeap()).isFalse();
    }
}
