package dev.herald.gateway.fanout;

import dev.herald.contracts.ReadAccess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AudienceTest {

    @Test
    void agreesWithTheApisReadRuleForEveryCombination() {
        for (String owner : List.of("alice", "bob")) {
            for (String user : List.of("alice", "bob", "carol")) {
                for (boolean admin : List.of(true, false)) {
                    Set<String> roles = admin ? Set.of(ReadAccess.ADMIN_ROLE, "user") : Set.of("user");
                    assertThat(Audience.includes(owner, user, admin))
                            .as("owner %s, user %s, admin %s", owner, user, admin)
                            .isEqualTo(ReadAccess.mayRead(user, roles, owner));
                }
            }
        }
    }
}
