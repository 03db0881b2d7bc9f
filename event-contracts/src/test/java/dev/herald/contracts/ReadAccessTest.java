package dev.herald.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReadAccessTest {

    @Test
    void adminReadsEverythingOwnerReadsOwnOthersNothing() {
        assertThat(ReadAccess.mayRead("root", Set.of("admin"), "alice")).isTrue();
        assertThat(ReadAccess.mayRead("alice", Set.of("user"), "alice")).isTrue();
        assertThat(ReadAccess.mayRead("alice", Set.of(), "alice")).isTrue();
        assertThat(ReadAccess.mayRead("bob", Set.of("user"), "alice")).isFalse();
        assertThat(ReadAccess.mayRead("bob", Set.of("administrator", "Admin"), "alice"))
                .isFalse();
    }

    @Test
    void readsPlainAndKeycloakRoleClaims() {
        Map<String, Object> plain = Map.of("roles", List.of("user", "admin"));
        Map<String, Object> keycloak = Map.of("realm_access", Map.of("roles", List.of("admin", "offline_access")));

        assertThat(ReadAccess.rolesFrom(plain, ReadAccess.DEFAULT_ROLE_CLAIMS))
                .containsExactlyInAnyOrder("user", "admin");
        assertThat(ReadAccess.rolesFrom(keycloak, ReadAccess.DEFAULT_ROLE_CLAIMS))
                .containsExactlyInAnyOrder("admin", "offline_access");
        assertThat(ReadAccess.rolesFrom(keycloak, List.of("roles"))).isEmpty();
    }

    @Test
    void ignoresClaimsOfTheWrongShape() {
        Map<String, Object> odd = Map.of("roles", "admin", "realm_access", List.of("admin"));

        assertThat(ReadAccess.rolesFrom(odd, ReadAccess.DEFAULT_ROLE_CLAIMS)).isEmpty();
        assertThat(ReadAccess.rolesFrom(Map.of("roles", List.of(1, "", "user")), List.of("roles")))
                .containsExactly("user");
    }
}
