package dev.rebound.server.store;

import java.time.Instant;

/** A recipient leased to this node for one delivery attempt. */
public record Claim(String recipientId, String messageId, String address, String domain, int attemptCount,
                    Instant messageCreatedAt) {}
