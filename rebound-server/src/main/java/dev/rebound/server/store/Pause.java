package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/** A paused recipient domain or stream ({@code pauses}, V40): its recipients stay queued until it is resumed. */
public record Pause(String scopeKind, String scope, String reason, Optional<String> alertId, String actor, Instant pausedAt) {}
