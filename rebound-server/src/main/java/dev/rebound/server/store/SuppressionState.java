package dev.rebound.server.store;

/** A suppression list entry: {@code SUPPRESSED} blocks sending on its stream; {@code REVIEW} waits for a human. */
public enum SuppressionState {
    SUPPRESSED, REVIEW
}
