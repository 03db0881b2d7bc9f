package dev.herald.loadgen;

import dev.herald.contracts.ServiceEventCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the same ServiceEvent JSON to Nchan's publisher endpoint. Nchan answers a publish only after
 * writing it to every subscriber, so publishes are asynchronous and may overlap.
 */
final class NchanPublisher implements Publisher {

    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ServiceEventCodec codec = new ServiceEventCodec();
    private final URI endpoint;
    private final AtomicLong errors = new AtomicLong();

    NchanPublisher(URI endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public void publish(String owner, String content) {
        byte[] body = codec.encode(EventFactory.created(owner, content));
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json")
                .build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
            if (failure != null || response.statusCode() >= 300) {
                errors.incrementAndGet();
            }
        });
    }

    @Override
    public long errors() {
        return errors.get();
    }

    @Override
    public void close() {
        client.close();
    }
}
