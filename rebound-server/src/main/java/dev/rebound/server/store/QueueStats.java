package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/** @param depth recipients waiting for an attempt; @param oldestDueAt the earliest due time among them */
public record QueueStats(long depth, Optional<Instant> oldestDueAt, long leased) {}
