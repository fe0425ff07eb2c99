package dev.rebound.server.store;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The queue in detail (for {@code GET /v1/queue}): recipients per state (all states, final ones included), and
 * when the oldest message that still has a waiting recipient was accepted.
 */
public record QueueBreakdown(Map<RecipientState, Long> byState, Optional<Instant> oldestWaitingQueuedAt) {}
