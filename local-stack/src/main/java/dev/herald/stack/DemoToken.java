package dev.herald.stack;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints an access token for a demo user, fetched from the issuer's token endpoint with the password grant
 * (the development issuer accepts any password). {@code ./stack token alice} runs it.
 *
 * <p>Arguments: {@code <issuer-uri> <user>}.
 */
public final class DemoToken {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

    private DemoToken() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: DemoToken <issuer-uri> <user>");
            System.exit(2);
        }
        try {
            System.out.println(fetch(URI.create(args[0]), args[1]));
        } catch (IOException e) {
            System.err.println("could not get a token from " + args[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** An access token for {@code user} from the issuer at {@code issuer} (its token endpoint is {@code <issuer>/token}). */
    public static String fetch(URI issuer, String user) throws IOException, InterruptedException {
        String form = "grant_type=password&client_id=herald-cli&scope=openid&password=demo&username="
                + URLEncoder.encode(user, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(issuer.toString().replaceAll("/$", "") + "/token"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        try (HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher token = ACCESS_TOKEN.matcher(response.body());
            if (response.statusCode() != 200 || !token.find()) {
                throw new IOException("token endpoint answered " + response.statusCode() + ": " + response.body());
            }
            return token.group(1);
        }
    }
}
