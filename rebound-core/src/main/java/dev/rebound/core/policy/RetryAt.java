package dev.rebound.core.policy;

import java.time.Instant;
import java.util.Objects;

/** Try again at {@code at}: never before the {@code now} the decision was made for, always before the age cap. */
public record RetryAt(Instant at, String ruleId) implements RetryDecision {
    public RetryAt {
        Objects.requireNonNull(at, "RetryAt.at");
        Objects.requireNonNull(ruleId, "RetryAt.ruleId");
    }
}
