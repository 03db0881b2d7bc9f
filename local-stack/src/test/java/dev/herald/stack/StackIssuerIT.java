package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The development issuer over real HTTP: the dashboard's login (authorization code + PKCE) and the CLI's tokens. */
class StackIssuerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REDIRECT = "http://localhost:8081/";
    private static final String VERIFIER = "dashboard-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";

    @TempDir
    static Path workDir;

    private static StackIssuer issuer;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        issuer = StackIssuer.start(0, "herald", "herald", 600, workDir);
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        issuer.stop();
        http.close();
    }

    @Test
    void loginPageOffersEachDemoUser() throws Exception {
        HttpResponse<String> page =
                send(HttpRequest.newBuilder(authorizeUri(challenge(VERIFIER))).GET());

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains(
                        "Sign in as <strong>alice</strong>",
                        "Sign in as <strong>bob</strong>",
                        "Sign in as <strong>admin</strong> <span>(admin)</span>");
    }

    @Test
    void authorizationCodeFlowWithPkceIssuesATokenWithRolesAndAudience() throws Exception {
        String code = signIn("admin", authorizeUri(challenge(VERIFIER)));

        HttpResponse<String> tokens = exchange(code, VERIFIER);

        assertThat(tokens.statusCode()).isEqualTo(200);
        JsonNode claims =
                payload(JSON.readTree(tokens.body()).path("access_token").asText());
        assertThat(claims.path("sub").asText()).isEqualTo("admin");
        assertThat(claims.path("aud").toString()).contains("herald");
        assertThat(claims.path("roles").toString()).isEqualTo("[\"admin\"]");
        assertThat(claims.path("iss").asText()).isEqualTo(issuer.issuerUri());
        assertThat(tokens.headers().firstValue("access-control-allow-origin")).hasValue("http://localhost:8081");
    }

    @Test
    void authorizationCodeIsRefusedWithTheWrongVerifier() throws Exception {
        String code = signIn("alice", authorizeUri(challenge(VERIFIER)));

        HttpResponse<String> tokens = exchange(code, VERIFIER + "-forged");

        assertThat(tokens.statusCode()).isEqualTo(400);
        assertThat(tokens.body()).contains("invalid_grant");
    }

    @Test
    void cliTokenCarriesTheDemoUsersRoles() throws Exception {
        JsonNode alice = payload(DemoToken.fetch(URI.create(issuer.issuerUri()), "alice"));
        JsonNode admin = payload(DemoToken.fetch(URI.create(issuer.issuerUri()), "admin"));

        assertThat(alice.path("sub").asText()).isEqualTo("alice");
        assertThat(alice.path("roles").toString()).isEqualTo("[\"user\"]");
        assertThat(alice.path("aud").toString()).contains("herald");
        assertThat(admin.path("roles").toString()).isEqualTo("[\"admin\"]");
    }

    // --- the browser's side of the flow, by hand ---

    private static URI authorizeUri(String challenge) {
        Map<String, String> query = Map.of(
                "client_id",
                "herald-dashboard",
                "response_type",
                "code",
                "scope",
                "openid",
                "redirect_uri",
                REDIRECT,
                "state",
                "state-1",
                "code_challenge",
                challenge,
                "code_challenge_method",
                "S256");
        return URI.create(issuer.authorizationEndpoint() + "?" + form(query));
    }

    /** Submits the login page's form for {@code user}, as the page's button does, and returns the code. */
    private static String signIn(String user, URI authorize) throws Exception {
        String claims = "{\"roles\":" + JSON.writeValueAsString(DemoUsers.rolesOf(user)) + "}";
        HttpResponse<String> redirect = send(HttpRequest.newBuilder(authorize)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", user, "claims", claims)))));
        assertThat(redirect.statusCode()).isEqualTo(302);
        String location = redirect.headers().firstValue("location").orElseThrow();
        assertThat(location).startsWith(REDIRECT).contains("state=state-1");
        return location.replaceAll(".*[?&]code=([^&]+).*", "$1");
    }

    private static HttpResponse<String> exchange(String code, String verifier) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(issuer.tokenEndpoint()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://localhost:8081")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of(
                        "grant_type",
                        "authorization_code",
                        "code",
                        code,
                        "client_id",
                        "herald-dashboard",
                        "redirect_uri",
                        REDIRECT,
                        "code_verifier",
                        verifier)))));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String challenge(String verifier) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    }

    private static String form(Map<String, String> values) {
        return values.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private static JsonNode payload(String jwt) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }
}
