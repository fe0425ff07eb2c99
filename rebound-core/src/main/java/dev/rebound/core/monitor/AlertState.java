package dev.rebound.core.monitor;

import java.time.Instant;

/** Whether an alert is open for a scope and metric (the detector's memory, kept by the caller's store). */
public sealed interface AlertState {
    /** No open alert. */
    record Quiet() implements AlertState {}

    /** An alert opened at {@code openedAt}, at {@code level} (the highest it reached), by {@code ruleId}. */
    record Open(Level level, String ruleId, Instant openedAt) implements AlertState {}

    AlertState QUIET = new Quiet();
}
