package dev.herald.stack;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.NettyWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * A development OIDC issuer: no.nav.security mock-oauth2-server (discovery, JWKS, RS256 tokens, authorization code
 * flow with PKCE, password grant, CORS) with Herald's demo users and a login page that lists them.
 *
 * <p>Arguments ({@code key=value}): {@code port} (8090), {@code issuer-id} ({@code herald}, the issuer URI's path),
 * {@code audience} ({@code herald}), {@code token-expiry} (seconds, 3600), {@code work-dir} (for the login page).
 */
public final class StackIssuer {

    private final MockOAuth2Server server;
    private final String issuerId;

    private StackIssuer(MockOAuth2Server server, String issuerId) {
        this.server = server;
        this.issuerId = issuerId;
    }

    public static void main(String[] args) throws Exception {
        StackArgs options = StackArgs.parse(args);
        StackIssuer issuer = start(
                options.getInt("port", 8090),
                options.get("issuer-id", "herald"),
                options.get("audience", "herald"),
                Long.parseLong(options.get("token-expiry", "3600")),
                Path.of(options.get("work-dir", ".stack/issuer")));
        System.out.println("OIDC issuer ready: " + issuer.issuerUri() + " (demo users " + DemoUsers.names() + ")");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            issuer.stop();
                            stopped.countDown();
                        },
                        "stack-issuer-stop"));
        stopped.await();
    }

    /** Starts the issuer on localhost; {@code port} 0 takes a free port. */
    public static StackIssuer start(int port, String issuerId, String audience, long tokenExpirySeconds, Path workDir)
            throws IOException {
        Path loginPage = writeLoginPage(workDir);
        OAuth2Config config = new OAuth2Config(
                true,
                loginPage.toString(),
                null,
                false,
                new OAuth2TokenProvider(),
                Set.of(new DemoUserTokenCallback(issuerId, audience, tokenExpirySeconds)),
                new NettyWrapper());
        MockOAuth2Server server = new MockOAuth2Server(config);
        server.start(InetAddress.getByName("localhost"), port);
        return new StackIssuer(server, issuerId);
    }

    public String issuerUri() {
        return server.issuerUrl(issuerId).toString();
    }

    public String tokenEndpoint() {
        return server.tokenEndpointUrl(issuerId).toString();
    }

    public String authorizationEndpoint() {
        return server.authorizationEndpointUrl(issuerId).toString();
    }

    public void stop() {
        server.shutdown();
    }

    /** The login page: one button per demo user; each form sends the user's roles as login claims. */
    static Path writeLoginPage(Path workDir) throws IOException {
        String template;
        try (InputStream in = StackIssuer.class.getResourceAsStream("login.html")) {
            if (in == null) {
                throw new IllegalStateException("login.html missing from the classpath");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String forms = DemoUsers.names().stream()
                .map(user -> loginForm(user, DemoUsers.rolesOf(user)))
                .collect(Collectors.joining("\n"));
        Files.createDirectories(workDir);
        Path page = workDir.resolve("login.html");
        Files.writeString(page, template.replace("<!--USERS-->", forms));
        return page.toAbsolutePath();
    }

    private static String loginForm(String user, List<String> roles) {
        String claims = roles.stream()
                .map(role -> "&quot;" + role + "&quot;")
                .collect(Collectors.joining(
                        ",", "{&quot;roles&quot;:[", "],&quot;preferred_username&quot;:&quot;" + user + "&quot;}"));
        return """
                <form method="post">
                  <input type="hidden" name="username" value="%1$s">
                  <input type="hidden" name="claims" value="%2$s">
                  <button type="submit" name="user" value="%1$s">Sign in as <strong>%1$s</strong> <span>(%3$s)</span></button>
                </form>""".formatted(user, claims, String.join(", ", roles));
    }
}
