package dev.herald.notes.note;

import dev.herald.contracts.ReadAccess;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/** Who is calling: the token's subject and the roles found in its configured claims. */
public record Caller(String userId, Set<String> roles) {

    /** The caller of an authenticated request; its authorities are the token's roles, unprefixed. */
    public static Caller of(Authentication authentication) {
        return new Caller(
                authentication.getName(),
                authentication.getAuthorities().stream()
                        .map(GrantedAuthority::getAuthority)
                        .collect(Collectors.toUnmodifiableSet()));
    }

    public boolean isAdmin() {
        return ReadAccess.isAdmin(roles);
    }

    /** Herald's read rule, for updating and deleting too: admins anything, users their own notes. */
    boolean mayAccess(Note note) {
        return ReadAccess.mayRead(userId, roles, note.createdBy());
    }
}
