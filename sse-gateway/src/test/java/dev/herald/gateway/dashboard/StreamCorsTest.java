package dev.herald.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

class StreamCorsTest {

    private static final String OTHER_INSTANCE = "http://localhost:8081";

    private final AtomicInteger handled = new AtomicInteger();
    private final HttpHandler next = (request, response) -> {
        handled.incrementAndGet();
        response.setStatusCode(HttpStatus.OK);
        return response.setComplete();
    };
    private final HttpHandler cors = new StreamCors(
                    new DashboardProperties(List.of(), List.of(OTHER_INSTANCE + "/", "http://localhost:8082")))
            .apply(next);

    @Test
    void letsAnAllowedOriginReadTheStreamWithCredentials() {
        MockServerHttpResponse response =
                handle(MockServerHttpRequest.get("/events").header(HttpHeaders.ORIGIN, OTHER_INSTANCE));

        assertThat(handled).hasValue(1);
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo(OTHER_INSTANCE);
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS))
                .isEqualTo("true");
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS))
                .isEqualTo(HttpHeaders.RETRY_AFTER);
        assertThat(response.getHeaders().get(HttpHeaders.VARY)).contains(HttpHeaders.ORIGIN);
    }

    @Test
    void answersThePreflightOfASessionRequestWithoutPassingItOn() {
        MockServerHttpResponse response = handle(MockServerHttpRequest.options("/events/session")
                .header(HttpHeaders.ORIGIN, OTHER_INSTANCE)
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "authorization"));

        assertThat(handled).hasValue(0);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isEqualTo(OTHER_INSTANCE);
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS))
                .contains("POST");
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS))
                .containsIgnoringCase("authorization");
    }

    @Test
    void givesOtherOriginsNoCorsHeadersAndRefusesTheirPreflight() {
        MockServerHttpResponse stream =
                handle(MockServerHttpRequest.get("/events").header(HttpHeaders.ORIGIN, "http://evil.example"));
        MockServerHttpResponse preflight = handle(MockServerHttpRequest.options("/events/session")
                .header(HttpHeaders.ORIGIN, "http://evil.example")
                .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST"));

        assertThat(stream.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isNull();
        assertThat(preflight.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(preflight.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isNull();
        assertThat(handled).hasValue(1);
    }

    @Test
    void leavesOtherPathsAlone() {
        MockServerHttpResponse response =
                handle(MockServerHttpRequest.get("/config.json").header(HttpHeaders.ORIGIN, OTHER_INSTANCE));

        assertThat(handled).hasValue(1);
        assertThat(response.getHeaders().getFirst(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
                .isNull();
    }

    @Test
    void changesNothingWhenNoOriginIsAllowed() {
        HttpHandler sameOriginOnly = new StreamCors(new DashboardProperties(List.of(), List.of())).apply(next);

        assertThat(sameOriginOnly).isSameAs(next);
    }

    private MockServerHttpResponse handle(MockServerHttpRequest.BaseBuilder<?> request) {
        MockServerHttpResponse response = new MockServerHttpResponse();
        cors.handle(request.build(), response).block();
        return response;
    }
}
