package dev.herald.stack;

import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ResourceOwnerPasswordCredentialsGrant;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;
import org.jspecify.annotations.Nullable;

/**
 * What the issuer puts in a token: audience {@code herald}, and a plain {@code roles} claim from {@link DemoUsers}.
 *
 * <p>For the password grant ({@code ./stack token alice}) the user is the {@code username} parameter. For the
 * authorization code flow the user signs in on the login page, whose form sends the demo user's roles as the
 * mock server's login claims; they are added on top of these.
 */
final class DemoUserTokenCallback implements OAuth2TokenCallback {

    private final String issuerId;
    private final String audience;
    private final long expirySeconds;

    DemoUserTokenCallback(String issuerId, String audience, long expirySeconds) {
        this.issuerId = issuerId;
        this.audience = audience;
        this.expirySeconds = expirySeconds;
    }

    @Override
    public String issuerId() {
        return issuerId;
    }

    @Override
    public String subject(TokenRequest tokenRequest) {
        String user = passwordGrantUser(tokenRequest);
        if (user != null) {
            return user;
        }
        ClientID client = tokenRequest.getClientID();
        return client != null ? client.getValue() : "anonymous";
    }

    @Override
    public String typeHeader(TokenRequest tokenRequest) {
        return "JWT";
    }

    @Override
    public List<String> audience(TokenRequest tokenRequest) {
        return List.of(audience);
    }

    @Override
    public Map<String, Object> addClaims(TokenRequest tokenRequest) {
        Map<String, Object> claims = new HashMap<>();
        ClientID client = tokenRequest.getClientID();
        if (client != null) {
            claims.put("azp", client.getValue());
        }
        String user = passwordGrantUser(tokenRequest);
        if (user != null) {
            claims.put("preferred_username", user);
            claims.put("roles", DemoUsers.rolesOf(user));
        }
        return claims;
    }

    @Override
    public long tokenExpiry() {
        return expirySeconds;
    }

    private static @Nullable String passwordGrantUser(TokenRequest tokenRequest) {
        AuthorizationGrant grant = tokenRequest.getAuthorizationGrant();
        return grant instanceof ResourceOwnerPasswordCredentialsGrant password ? password.getUsername() : null;
    }
}
