package dev.herald.loadgen;

/**
 * Who owns event {@code seq} and who each stream is, as pure functions, so producer and subscriber
 * processes agree on every stream's expected set without talking to each other.
 */
record Owners(int users, int adminStreams, int adminUsers) {

    static String userName(int index) {
        return "u" + index;
    }

    static String adminName(int index) {
        return "a" + index;
    }

    /** The user index owning event {@code seq}: spread evenly and pseudo-randomly over the users. */
    int ownerOf(long seq) {
        long z = seq + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (int) Math.floorMod(z, (long) users);
    }

    boolean isAdminStream(int globalStream) {
        return globalStream < adminStreams;
    }

    /** The user index of a stream: admin streams {@code a<i>}, the others {@code u<i>}. */
    int userOf(int globalStream) {
        return isAdminStream(globalStream)
                ? globalStream % Math.max(1, adminUsers)
                : (globalStream - adminStreams) % users;
    }

    String userNameOf(int globalStream) {
        return isAdminStream(globalStream) ? adminName(userOf(globalStream)) : userName(userOf(globalStream));
    }
}
