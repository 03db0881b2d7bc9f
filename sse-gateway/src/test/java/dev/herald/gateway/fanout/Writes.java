package dev.herald.gateway.fanout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.reactivestreams.Subscription;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.CoreSubscriber;

/** What WebFlux would write to the socket: one entry per emitted buffer. */
final class Writes implements CoreSubscriber<DataBuffer> {
    final List<String> writes = new CopyOnWriteArrayList<>();
    final ClientStream stream;
    private final long demand;

    Writes(ClientStream stream, long demand) {
        this.stream = stream;
        this.demand = demand;
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (demand > 0) {
            s.request(demand);
        }
    }

    @Override
    public void onNext(DataBuffer buffer) {
        writes.add(buffer.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}

    String text() {
        return String.join("", writes);
    }
}
