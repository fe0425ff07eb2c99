package dev.rebound.server.store;

import java.time.Instant;

/**
 * A recipient leased to this node for one delivery attempt. {@code lease} is the fencing token: the attempt's
 * result (or a postponement, or a renewal) is written only while the recipient still carries it.
 */
public record Claim(String recipientId, String messageId, String address, String domain, int attemptCount,
                    Instant messageCreatedAt, Lease lease) {}
