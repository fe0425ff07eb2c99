package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * A stored API key (table {@code api_keys}): never the secret, only its SHA-256.
 *
 * @param id            the public part of the key, also its name in audit rows ({@code api-key:<id>})
 * @param secretSha256  hex SHA-256 of the secret part
 * @param scopes        space-separated scope ids
 * @param ratePerSecond requests per second allowed (0 = no limit), with {@code burst}
 */
public record ApiKeyRecord(String id, String name, String secretSha256, String scopes, double ratePerSecond, int burst,
                           Instant createdAt, Optional<Instant> revokedAt) {}
