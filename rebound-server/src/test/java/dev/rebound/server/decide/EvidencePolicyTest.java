package dev.rebound.server.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Outcome;
import dev.rebound.server.store.RecipientState;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvidencePolicyTest {
    @ParameterizedTest(name = "{0} + {1} -> {2} by {3}")
    @CsvSource({
            "DELIVERED,      BOUNCED_HARD,   BOUNCED_HARD,   evidence.late-failure",
            "DELIVERED,      BOUNCED_SOFT,   BOUNCED_SOFT,   evidence.late-failure",
            "DELIVERED,      BLOCKED_POLICY, BLOCKED_POLICY, evidence.late-failure",
            "DELIVERED,      COMPLAINT,      COMPLAINT,      evidence.complaint",
            "BOUNCED_HARD,   COMPLAINT,      COMPLAINT,      evidence.complaint",
            "QUEUED,         DELIVERED,      DELIVERED,      evidence.final",
            "DEFERRED,       BOUNCED_HARD,   BOUNCED_HARD,   evidence.final",
            "BOUNCED_SOFT,   BOUNCED_HARD,   BOUNCED_HARD,   evidence.stronger",
            "BOUNCED_HARD,   DELIVERED,      ,               evidence.none.not-stronger",
            "BOUNCED_HARD,   BOUNCED_SOFT,   ,               evidence.none.not-stronger",
            "BLOCKED_POLICY, BOUNCED_SOFT,   ,               evidence.none.not-stronger",
            "COMPLAINT,      BOUNCED_HARD,   ,               evidence.none.not-stronger",
            "DELIVERED,      DELIVERED,      ,               evidence.none.not-stronger",
            "DELIVERED,      DEFERRED,       ,               evidence.none.not-final",
            "SUPPRESSED,     BOUNCED_HARD,   ,               evidence.none.never-sent",
    })
    void transitions(RecipientState from, Outcome outcome, RecipientState to, String rule) {
        var t = EvidencePolicy.decide(Optional.of(from), Optional.of(outcome));
        assertThat(t.newState()).isEqualTo(Optional.ofNullable(to));
        assertThat(t.ruleId()).isEqualTo(rule);
    }

    @org.junit.jupiter.api.Test
    void withoutOutcomeOrRecipient_nothingChanges() {
        assertThat(EvidencePolicy.decide(Optional.of(RecipientState.DELIVERED), Optional.empty()).ruleId()).isEqualTo("evidence.none.no-outcome");
        assertThat(EvidencePolicy.decide(Optional.empty(), Optional.of(Outcome.BOUNCED_HARD)))
                .isEqualTo(new EvidencePolicy.Transition(Optional.empty(), "evidence.none.unmatched"));
    }
}
