package dev.herald.notes.security;

import dev.herald.notes.web.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * 401 and 403 as {@code application/problem+json}, keeping the {@code WWW-Authenticate} challenge that
 * Spring Security's bearer-token handlers set (RFC 6750).
 */
final class ProblemAuthenticationEntryPoint implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final BearerTokenAuthenticationEntryPoint challenge = new BearerTokenAuthenticationEntryPoint();
    private final BearerTokenAccessDeniedHandler denied = new BearerTokenAccessDeniedHandler();
    private final JsonMapper json;

    ProblemAuthenticationEntryPoint(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (IssuerUnavailableException.in(e)) {
            IssuerUnavailableFilter.write(response, json);
            return;
        }
        challenge.commence(request, response, e);
        String detail = e instanceof OAuth2AuthenticationException oauth
                        && oauth.getError().getDescription() != null
                ? "invalid bearer token: " + oauth.getError().getDescription()
                : "a bearer token is required";
        Problems.write(response, json, ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, detail));
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        denied.handle(request, response, e);
        Problems.write(response, json, ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, "not allowed"));
    }
}
