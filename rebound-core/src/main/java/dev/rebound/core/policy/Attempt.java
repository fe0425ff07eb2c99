package dev.rebound.core.policy;

import dev.rebound.core.classify.Classification;
import java.util.Objects;
import java.time.Instant;

/** One past attempt of a message to one recipient: when it was made and how its reply was classified. */
public record Attempt(Instant at, Classification classification) {
    public Attempt {
        Objects.requireNonNull(at, "Attempt.at");
        Objects.requireNonNull(classification, "Attempt.classification");
    }
}
