package dev.rebound.server.store;

import java.time.Instant;

/** What delivery needs of a stored message. */
public record MessageContent(String id, String stream, String mailFrom, byte[] raw, Instant createdAt) {}
