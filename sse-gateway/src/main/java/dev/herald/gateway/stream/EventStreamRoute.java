package dev.herald.gateway.stream;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;

/**
 * Routes {@code GET /events} to {@link EventStreamHandler} at the HTTP handler, before WebFlux's web
 * filters (security included) and dispatcher; everything else goes on to them. The stream authenticates
 * itself with the resource server's JWT decoder, so nothing is left unchecked.
 */
@Component
class EventStreamRoute implements HttpHandlerDecoratorFactory {

    private final EventStreamHandler handler;

    EventStreamRoute(EventStreamHandler handler) {
        this.handler = handler;
    }

    @Override
    public HttpHandler apply(HttpHandler next) {
        return (request, response) ->
                isStream(request) ? handler.handle(request, response) : next.handle(request, response);
    }

    private static boolean isStream(ServerHttpRequest request) {
        return HttpMethod.GET.equals(request.getMethod())
                && "/events".equals(request.getPath().pathWithinApplication().value());
    }
}
