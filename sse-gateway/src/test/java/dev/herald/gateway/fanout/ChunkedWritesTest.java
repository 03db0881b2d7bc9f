package dev.herald.gateway.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.contracts.Action;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A stream on a chunked HTTP/1.1 response writes each frame as a ready-made chunk below the server's HTTP
 * encoder, as Reactor Netty's pipeline is laid out; what reaches the socket must still be one valid chunked
 * response, read back by Netty's own HTTP client decoder. With a handler between the encoder and the
 * application that could change the body, every frame goes through the whole pipeline instead.
 */
class ChunkedWritesTest {

    private final Hub hub = new Hub(
            HubTest.settings(10, 10, Duration.ofHours(1)),
            new ResumeSettings(0, Duration.ofSeconds(30)),
            new ReplayBuffer(4096, 64 * 1024 * 1024),
            null,
            new GatewayMetrics(new SimpleMeterRegistry()));

    @Test
    void framesAreWrittenAsWholeChunksThatAnHttpClientReadsBackExactly() {
        EmbeddedChannel server = httpServer();

        String body = streamAndEnd(server, 300);

        assertThat(body).startsWith("retry: ").contains("data: {\"type\":\"connected\"}\n\n");
        assertThat(markers(body)).hasSize(300).first().isEqualTo("E0");
        assertThat(markers(body)).last().isEqualTo("E299");
    }

    @Test
    void framesGoThroughThePipelineWhenAHandlerAfterTheEncoderMightChangeTheBody() {
        EmbeddedChannel server = httpServer();
        AtomicInteger seen = new AtomicInteger();
        server.pipeline().addLast("test.bodyWatcher", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof ByteBuf buffer
                        && buffer.toString(StandardCharsets.UTF_8).contains("E7")) {
                    seen.incrementAndGet();
                }
                ctx.write(msg, promise);
            }
        });

        String body = streamAndEnd(server, 10);

        assertThat(markers(body)).hasSize(10);
        assertThat(seen).as("frames that passed the handler after the encoder").hasValue(1);
    }

    /** A server connection laid out as Reactor Netty's: the HTTP codec under its name, a request read. */
    private static EmbeddedChannel httpServer() {
        EmbeddedChannel server = HubTest.connection();
        server.pipeline().addLast(ClientStream.HTTP_CODEC, new HttpServerCodec());
        server.writeInbound(
                Unpooled.copiedBuffer("GET /events HTTP/1.1\r\nHost: gateway\r\n\r\n", StandardCharsets.US_ASCII));
        for (Object request = server.readInbound(); request != null; request = server.readInbound()) {
            io.netty.util.ReferenceCountUtil.release(request);
        }
        return server;
    }

    /**
     * Sends the response headers, opens a stream, publishes {@code events} events one batch each, ends the
     * stream as the server does (its last frame, then the last chunk) and returns the body an HTTP client reads.
     */
    private String streamAndEnd(EmbeddedChannel server, int events) {
        DefaultHttpResponse headers = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        headers.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        server.writeAndFlush(headers);
        assertThat(hub.admit("alice")).isEqualTo(Admission.ADMITTED);
        ClientStream stream =
                hub.open("alice", false, SseFormat.allTypes(), Long.MAX_VALUE, server, ResumeIntent.fresh());
        Mono.<Void>create(done -> stream.start(done, true))
                .doOnSuccess(nothing -> server.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT))
                .subscribe();
        server.runPendingTasks();
        for (int i = 0; i < events; i++) {
            hub.publish(List.of(event("alice", "E" + i)), new long[0], "P" + i);
            server.runPendingTasks();
        }
        stream.finish(Frame.control("event: bye\ndata: {}\n\n"), DisconnectReason.EXPIRED);
        server.runPendingTasks();
        return readAsClient(server);
    }

    /** Everything the server wrote, read by Netty's HTTP client codec: the body, which must end properly. */
    private static String readAsClient(EmbeddedChannel server) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec());
        client.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/events"));
        for (Object sent = client.readOutbound(); sent != null; sent = client.readOutbound()) {
            io.netty.util.ReferenceCountUtil.release(sent);
        }
        for (Object written = server.readOutbound(); written != null; written = server.readOutbound()) {
            client.writeInbound(written);
        }
        StringBuilder body = new StringBuilder();
        List<HttpObject> parts = new ArrayList<>();
        for (Object read = client.readInbound(); read != null; read = client.readInbound()) {
            HttpObject part = (HttpObject) read;
            assertThat(part.decoderResult().isSuccess()).as("decoded %s", part).isTrue();
            parts.add(part);
            if (part instanceof HttpContent content) {
                body.append(content.content().toString(StandardCharsets.UTF_8));
                content.release();
            }
        }
        assertThat(parts.getFirst()).isInstanceOf(HttpResponse.class);
        assertThat(parts.getLast()).as("the response ends with its last chunk").isInstanceOf(LastHttpContent.class);
        assertThat(body.toString()).endsWith("event: bye\ndata: {}\n\n");
        return body.toString();
    }

    private static List<String> markers(String body) {
        List<String> markers = new ArrayList<>();
        for (String frame : body.split("\n\n")) {
            if (frame.startsWith("event: notes:created")) {
                markers.add(frame.substring(frame.indexOf("data: ") + 6));
            }
        }
        return markers;
    }

    private static Frame event(String owner, String marker) {
        byte[] bytes = ("event: notes:created\ndata: " + marker + "\n\n").getBytes(StandardCharsets.UTF_8);
        return Frame.event(bytes, owner, SseFormat.typeBit(Action.CREATED), 0, -1, -1, new long[0]);
    }
}
