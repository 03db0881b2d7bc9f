package dev.herald.gateway.auth;

import org.springframework.http.HttpMethod;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.web.server.authentication.ServerBearerTokenAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The filter chain's bearer token, for every request except {@code GET /events}: streams are
 * authenticated by {@link StreamAuthenticator} (bearer or session cookie) so that no security context
 * stays attached to a long-lived response. Tokens in query parameters are never read.
 */
final class ApiTokenConverter implements ServerAuthenticationConverter {

    private final ServerBearerTokenAuthenticationConverter bearer = new ServerBearerTokenAuthenticationConverter();

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        return isStreamRequest(exchange) ? Mono.empty() : bearer.convert(exchange);
    }

    static boolean isStreamRequest(ServerWebExchange exchange) {
        var request = exchange.getRequest();
        return HttpMethod.GET.equals(request.getMethod())
                && "/events".equals(request.getPath().pathWithinApplication().value());
    }
}
