package dev.herald.gateway.stream;

import dev.herald.gateway.GatewayProperties;
import dev.herald.gateway.auth.StreamAuthenticationException;
import dev.herald.gateway.auth.StreamAuthenticator;
import dev.herald.gateway.auth.Viewer;
import dev.herald.gateway.fanout.Admission;
import dev.herald.gateway.fanout.ClientStream;
import dev.herald.gateway.fanout.Hub;
import dev.herald.gateway.fanout.ResetReason;
import dev.herald.gateway.fanout.ResumeIntent;
import dev.herald.gateway.resume.InvalidPositionException;
import dev.herald.gateway.resume.ResumePosition;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code GET /events}: authenticates the request, admits the stream (per-user and per-instance limits),
 * then writes the {@link ClientStream} as the response body, {@code text/event-stream}, until
 * the client leaves, its token expires, it is too slow, or the instance drains.
 *
 * <p>It is served in front of WebFlux's filter chain and dispatcher ({@link EventStreamRoute}): whatever a
 * request holds on its way through them (exchange attributes, filter chain links, checkpoints, the
 * security context) would stay alive as long as the stream, and streams last hours by the ten thousand.
 */
@Component
class EventStreamHandler {

    static final MediaType EVENT_STREAM = MediaType.parseMediaType("text/event-stream");
    private static final String LAST_EVENT_ID = "Last-Event-ID";

    private final Hub hub;
    private final StreamAuthenticator authenticator;
    private final GatewayProperties properties;

    EventStreamHandler(Hub hub, StreamAuthenticator authenticator, GatewayProperties properties) {
        this.hub = hub;
        this.authenticator = authenticator;
        this.properties = properties;
    }

    Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
        String types = request.getQueryParams().getFirst("types");
        String lastEventId = lastEventId(request);
        Mono<Viewer> authenticated = detached(authenticator.authenticate(request)); // it has read the token
        dropCredentials(request);
        return authenticated
                .flatMap(viewer -> open(viewer, types, lastEventId, response))
                .onErrorResume(StreamAuthenticationException.class, e -> unauthorized(response));
    }

    /**
     * Where the client resumes from: the {@code Last-Event-ID} header (a browser's automatic reconnect)
     * wins over the {@code lastEventId} query parameter (a first connect, polyfills), because a
     * reconnecting EventSource sends its newest id in the header and its first URL again.
     */
    private static @Nullable String lastEventId(ServerHttpRequest request) {
        String header = request.getHeaders().getFirst(LAST_EVENT_ID);
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        String query = request.getQueryParams().getFirst("lastEventId");
        return query == null || query.isBlank() ? null : query.trim();
    }

    private Mono<Void> open(
            Viewer viewer, @Nullable String types, @Nullable String lastEventId, ServerHttpResponse response) {
        int typeMask;
        try {
            typeMask = EventTypes.mask(types);
        } catch (IllegalArgumentException e) {
            return Problems.write(response, HttpStatus.BAD_REQUEST, "Unknown event type", e.getMessage());
        }
        if (!hub.isReady()) {
            return unavailable(response, "Starting", "this instance is still reading the topic; try again shortly");
        }
        Admission admission = hub.admit(viewer.userId());
        if (admission == Admission.USER_LIMIT) {
            return Problems.write(
                    response,
                    HttpStatus.TOO_MANY_REQUESTS,
                    "Too many streams",
                    "a user may hold at most " + properties.maxStreamsPerUser() + " streams at once");
        }
        if (admission == Admission.INSTANCE_LIMIT) {
            return unavailable(
                    response,
                    "Instance full",
                    "this instance holds all the streams it may; try again later or another instance");
        }
        if (admission == Admission.DRAINING) {
            return unavailable(response, "Draining", "this instance is shutting down; connect to another instance");
        }
        HttpServerResponse nativeResponse = nativeResponse(response);
        if (nativeResponse == null) {
            hub.cancelAdmission(viewer.userId());
            return Mono.error(new IllegalStateException("the gateway runs on Reactor Netty only"));
        }
        Channel channel = ((Connection) nativeResponse).channel();
        ClientStream stream = hub.open(
                viewer.userId(),
                viewer.admin(),
                typeMask,
                viewer.expiresAt().toEpochMilli(),
                channel,
                intent(lastEventId));
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(EVENT_STREAM);
        headers.set(HttpHeaders.CACHE_CONTROL, "no-cache");
        headers.set("X-Accel-Buffering", "no");
        // The headers (set through WebFlux's view of them) go out first; then the stream writes its frames to the
        // channel itself until it ends, and Reactor Netty writes the last chunk.
        return nativeResponse
                .then()
                .then(Mono.<Void>create(done -> stream.start(done, chunked(nativeResponse))))
                .doFinally(signal -> stream.ended());
    }

    /** What the client asks for: the live stream, the events after its last id, or a reset when that id is unreadable. */
    private ResumeIntent intent(@Nullable String lastEventId) {
        if (lastEventId == null) {
            return ResumeIntent.fresh();
        }
        try {
            return ResumeIntent.from(ResumePosition.decode(properties.kafka().topic(), lastEventId)
                    .nextOffsets());
        } catch (InvalidPositionException e) {
            return ResumeIntent.reset(
                    e.reason() == InvalidPositionException.Reason.FOREIGN_TOPIC
                            ? ResetReason.FOREIGN_TOPIC
                            : ResetReason.UNREADABLE);
        }
    }

    private Mono<Void> unavailable(ServerHttpResponse response, String title, String detail) {
        response.getHeaders()
                .set(
                        HttpHeaders.RETRY_AFTER,
                        Long.toString(Math.max(1, properties.retryAfter().toSeconds())));
        return Problems.write(response, HttpStatus.SERVICE_UNAVAILABLE, title, detail);
    }

    private static Mono<Void> unauthorized(ServerHttpResponse response) {
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
        return response.setComplete();
    }

    /**
     * The viewer through a future: the decoder's operators (and the token, its claims, its key lookups) are let
     * go once the viewer is known, instead of staying subscribed, upstream of the response, for the life of the
     * stream.
     */
    @SuppressWarnings("NullAway") // toFuture() is typed for a Mono that may complete empty; a viewer's does not
    private static Mono<Viewer> detached(Mono<Viewer> viewer) {
        return Mono.fromFuture(viewer.toFuture(), true);
    }

    /**
     * Takes the token (header or session cookie) out of the request once it was read: the connection keeps
     * its request for as long as the stream lasts, and neither the memory nor a heap dump should hold it.
     */
    private static void dropCredentials(ServerHttpRequest request) {
        if (ServerHttpRequestDecorator.getNativeRequest(request) instanceof HttpServerRequest nativeRequest) {
            nativeRequest.requestHeaders().remove(HttpHeaders.AUTHORIZATION).remove(HttpHeaders.COOKIE);
        }
    }

    /** Whether the response went out in HTTP/1.1 chunks (Reactor Netty's default for a body of unknown length). */
    private static boolean chunked(HttpServerResponse response) {
        return response.responseHeaders()
                .containsValue(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED, true);
    }

    private static @Nullable HttpServerResponse nativeResponse(ServerHttpResponse response) {
        Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
        return nativeResponse instanceof HttpServerResponse http && nativeResponse instanceof Connection ? http : null;
    }
}
