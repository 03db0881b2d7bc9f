package dev.herald.notes.security;

import dev.herald.notes.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sits in front of the security filters: a request whose token could not be checked because the issuer
 * is unreachable gets 503 problem+json with {@code Retry-After}, not a bare 500.
 */
final class IssuerUnavailableFilter extends OncePerRequestFilter {

    private final JsonMapper json;

    IssuerUnavailableFilter(JsonMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (ServletException | RuntimeException e) {
            if (!IssuerUnavailableException.in(e) || response.isCommitted()) {
                throw e;
            }
            write(response, json);
        }
    }

    static void write(HttpServletResponse response, JsonMapper json) throws IOException {
        response.resetBuffer();
        response.setHeader(HttpHeaders.RETRY_AFTER, "5");
        Problems.write(
                response,
                json,
                ProblemDetail.forStatusAndDetail(
                        HttpStatus.SERVICE_UNAVAILABLE, "the token issuer is unreachable; retry later"));
    }
}
