package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Recipients waiting for an attempt in one state (QUEUED or DEFERRED): how many, when the oldest of their messages was
 * accepted, and the earliest next attempt.
 */
public record WaitingState(RecipientState state, long count, Optional<Instant> oldestAcceptedAt, Optional<Instant> earliestDueAt) {}
