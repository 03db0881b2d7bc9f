package dev.herald.contracts;

/** Who performed the action: the user id only, never token claims. */
public record Actor(String id) {}
