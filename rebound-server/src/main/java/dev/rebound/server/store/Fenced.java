package dev.rebound.server.store;

import java.util.List;

/**
 * What a fenced write did: {@code refused} are the recipients whose lease the writer no longer held (another node
 * claimed them after the lease expired); nothing was written for them, the new owner's result stands.
 */
public record Fenced(List<String> refused) {
    public Fenced {
        refused = List.copyOf(refused);
    }

    public static final Fenced NONE = new Fenced(List.of());

    public boolean anyRefused() {
        return !refused.isEmpty();
    }
}
