package dev.herald.gateway.dashboard;

import java.util.List;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * CORS with credentials for {@code /events} and {@code /events/session}, so a dashboard page served by one instance
 * can move its stream to another ({@code herald.gateway.dashboard.allowed-origins}). It decorates the HTTP handler,
 * outermost, because {@code GET /events} is served before WebFlux's web filters; it answers preflights itself and
 * adds {@code Access-Control-Allow-Origin} and {@code -Credentials} to the responses of allowed origins. Other origins
 * get no CORS headers, so browsers keep refusing them.
 */
@Component
class StreamCors implements HttpHandlerDecoratorFactory, Ordered {

    private static final Set<String> PATHS = Set.of("/events", "/events/session");
    private static final String ALLOWED_METHODS = "GET, POST, DELETE";
    private static final String ALLOWED_HEADERS = "Authorization, Content-Type, Last-Event-ID";
    private static final String PREFLIGHT_MAX_AGE = "600";

    private final Set<String> allowedOrigins;

    StreamCors(DashboardProperties properties) {
        this.allowedOrigins = Set.copyOf(properties.allowedOrigins().stream()
                .map(StreamCors::withoutTrailingSlash)
                .toList());
    }

    /** Before every other decorator (the stream route included): the first decorator is the outermost. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public HttpHandler apply(HttpHandler next) {
        if (allowedOrigins.isEmpty()) {
            return next;
        }
        return (request, response) -> {
            String origin = request.getHeaders().getOrigin();
            if (origin == null
                    || !PATHS.contains(request.getPath().pathWithinApplication().value())) {
                return next.handle(request, response);
            }
            HttpHeaders headers = response.getHeaders();
            headers.addAll(HttpHeaders.VARY, List.of(HttpHeaders.ORIGIN));
            boolean allowed = allowedOrigins.contains(origin);
            if (allowed) {
                headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
                // a refused stream (503, 429) says when to come back: a page of another origin must read it
                headers.set(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, HttpHeaders.RETRY_AFTER);
            }
            if (isPreflight(request)) {
                return preflight(response, allowed);
            }
            return next.handle(request, response);
        };
    }

    private static boolean isPreflight(ServerHttpRequest request) {
        return HttpMethod.OPTIONS.equals(request.getMethod())
                && request.getHeaders().containsHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    }

    private static Mono<Void> preflight(ServerHttpResponse response, boolean allowed) {
        if (!allowed) {
            response.setStatusCode(HttpStatus.FORBIDDEN);
            return response.setComplete();
        }
        HttpHeaders headers = response.getHeaders();
        headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS);
        headers.set(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
        headers.set(HttpHeaders.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE);
        response.setStatusCode(HttpStatus.NO_CONTENT);
        return response.setComplete();
    }

    private static String withoutTrailingSlash(String origin) {
        return origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
    }
}
