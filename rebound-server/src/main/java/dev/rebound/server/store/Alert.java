package dev.rebound.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * One alert on a scope's rate ({@code alerts}, V40).
 *
 * @param scopeKind   overall, domain or stream
 * @param scope       the domain or stream; "" for overall
 * @param metric      hard_bounce, soft_bounce, block, complaint, defer
 * @param level       warn or critical (the highest reached while open)
 * @param ruleId      the detector's rule that opened it (or escalated it)
 * @param figures     the numbers that opened (or escalated) it, JSON
 * @param lastFigures the numbers of the latest evaluation, JSON
 */
public record Alert(String id, String scopeKind, String scope, String metric, String level, String ruleId, Instant openedAt,
                    Instant updatedAt, Optional<Instant> resolvedAt, Optional<String> resolveRule, String figures, String lastFigures) {
    public boolean open() {
        return resolvedAt.isEmpty();
    }
}
