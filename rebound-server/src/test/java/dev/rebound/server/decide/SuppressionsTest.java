package dev.rebound.server.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.policy.SuppressionConfig;
import dev.rebound.server.store.DomainOutcomes;
import dev.rebound.server.store.FinalOutcome;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.SuppressionState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one mapping of the core suppression decision to list entries, on both branches of the breaker. */
class SuppressionsTest {
    final Instant now = Instant.parse("2026-05-01T12:00:00Z");
    final Suppressions suppressions = new Suppressions(SuppressionConfig.defaults());

    private FinalOutcome hard() {
        return new FinalOutcome(now, "m1", RecipientState.BOUNCED_HARD, "userunknown", "retry.no-repeat-5xx", 550, "5.1.1",
                "5.1.1 no such user", "RCPT", "example.test");
    }

    @Test
    void hardBounce_busyHealthyDomain_isASuppressedEntryWithExpiry() {
        var entry = suppressions.decide("Jane@example.test", "transactional", List.of(hard()),
                new DomainOutcomes("example.test", now.minus(Suppressions.BREAKER_WINDOW), 100, 1), now);
        assertThat(entry).hasValueSatisfying(s -> {
            assertThat(s.state()).isEqualTo(SuppressionState.SUPPRESSED);
            assertThat(s.ruleId()).isEqualTo("suppress.hard.userunknown");
            assertThat(s.expiresAt()).isPresent();
            assertThat(s.stream()).isEqualTo("transactional");
        });
    }

    @Test
    void hardBounce_domainTooSmallToJudge_isAProvisionalReview_promotedAtTheEndOfTheHold() {
        var few = new DomainOutcomes("example.test", now.minus(Suppressions.BREAKER_WINDOW), 1, 1);
        assertThat(suppressions.decide("jane@example.test", "transactional", List.of(hard()), few, now)).hasValueSatisfying(s -> {
            assertThat(s.state()).isEqualTo(SuppressionState.REVIEW);
            assertThat(s.ruleId()).isEqualTo("suppress.provisional.hard");
            assertThat(s.expiresAt()).isEmpty();
        });
        Instant due = now.plus(SuppressionConfig.defaults().provisionalHold());
        assertThat(suppressions.provisionalUntil(List.of(hard()))).contains(due);
        var healthy = suppressions.promote("jane@example.test", "transactional", List.of(hard()), few, due);
        assertThat(healthy.ruleId()).isEqualTo("suppress.hard.userunknown");
        assertThat(healthy.entry()).hasValueSatisfying(s -> {
            assertThat(s.state()).isEqualTo(SuppressionState.SUPPRESSED);
            assertThat(s.expiresAt()).contains(now.plus(java.time.Duration.ofDays(365)));
        });
        var failing = suppressions.promote("jane@example.test", "transactional", List.of(hard()),
                new DomainOutcomes("example.test", due.minus(Suppressions.BREAKER_WINDOW), 25, 17), due);
        assertThat(failing.entry()).hasValueSatisfying(s -> {
            assertThat(s.state()).isEqualTo(SuppressionState.REVIEW);
            assertThat(s.ruleId()).isEqualTo("suppress.breaker.hard");
        });
        FinalOutcome delivered = new FinalOutcome(now.plusSeconds(60), "m2", RecipientState.DELIVERED, "delivered", "retry.delivered", 250,
                "2.0.0", "ok", "DATA", "example.test");
        var lifted = suppressions.promote("jane@example.test", "transactional", List.of(hard(), delivered), few, due);
        assertThat(lifted.entry()).isEmpty();
        assertThat(lifted.ruleId()).isEqualTo("suppress.none.delivered");
    }

    @Test
    void hardBounce_failingDomain_isAReviewEntryWithoutExpiry() {
        var entry = suppressions.decide("jane@example.test", "transactional", List.of(hard()),
                new DomainOutcomes("example.test", now.minus(Suppressions.BREAKER_WINDOW), 50, 50), now);
        assertThat(entry).hasValueSatisfying(s -> {
            assertThat(s.state()).isEqualTo(SuppressionState.REVIEW);
            assertThat(s.ruleId()).isEqualTo("suppress.breaker.hard");
            assertThat(s.expiresAt()).isEmpty();
        });
    }

    @Test
    void delivered_isNoEntry() {
        var delivered = new FinalOutcome(now, "m1", RecipientState.DELIVERED, "delivered", "retry.done", 250, "2.0.0", "ok",
                "END_OF_DATA", "example.test");
        assertThat(suppressions.decide("jane@example.test", "transactional", List.of(delivered),
                new DomainOutcomes("example.test", now, 0, 0), now)).isEmpty();
    }
}
