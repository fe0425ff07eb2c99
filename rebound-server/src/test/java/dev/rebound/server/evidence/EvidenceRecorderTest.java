package dev.rebound.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.policy.SuppressionConfig;
import dev.rebound.server.decide.EvidenceDecider;
import dev.rebound.server.decide.Suppressions;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.RecipientState;
import dev.rebound.server.store.SqliteStore;
import dev.rebound.server.store.StoredEvidence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evidence path on a real SQLite store: matching, dedup, late-bounce transition, suppression, outbox. */
class EvidenceRecorderTest {
    @TempDir Path dir;
    final Clock clock = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);

    private SqliteStore open() {
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("rebound.db"), 2, clock);
    }

    private EvidenceRecorder recorder(SqliteStore store) {
        return new EvidenceRecorder(store, new EvidenceDecider(new Suppressions(SuppressionConfig.defaults())), "transactional");
    }

    private static NewEvidence ev(String key, String address, String headerId, Outcome outcome, String reason) {
        return new NewEvidence(key, "provider", "ses", "Bounce/Permanent/General", "ses-1", headerId, Optional.empty(),
                Optional.empty(), address, Optional.empty(), 550, "5.1.1", "smtp; 550 5.1.1 user unknown",
                Optional.ofNullable(outcome), reason, "event.ses.bounce.permanent.general", Optional.empty(), "{}");
    }

    private static String accept(SqliteStore store, String to, String messageIdHeader) {
        var r = (AcceptResult.Created) store.accept(new NewMessage("transactional", "app@example.org", List.of(to),
                ("Message-ID: " + messageIdHeader + "\r\n\r\nx\r\n").getBytes(StandardCharsets.UTF_8), messageIdHeader, "http",
                Optional.empty(), ""));
        return r.receipt().messageId();
    }

    @Test
    void matchedByMessageIdHeader_lateHardBounceAfterDelivered_suppresses_onceOnly() {
        try (SqliteStore store = open()) {
            EvidenceRecorder rec = recorder(store);
            String id = accept(store, "Jane@Example.com", "<abc@rebound.test>");
            StoredEvidence delivered = rec.record(List.of(ev("ses:d1:jane@example.com", "jane@example.com", "abc@rebound.test",
                    Outcome.DELIVERED, "delivered"))).getFirst();
            assertThat(delivered.match().matchedBy()).isEqualTo("message-id-header");
            assertThat(delivered.decision().newState()).contains(RecipientState.DELIVERED);

            NewEvidence bounce = ev("ses:b1:jane@example.com", "jane@example.com", "<abc@rebound.test>", Outcome.BOUNCED_HARD, "userunknown");
            StoredEvidence first = rec.record(List.of(bounce)).getFirst();
            assertThat(first.duplicate()).isFalse();
            assertThat(first.decision().newState()).contains(RecipientState.BOUNCED_HARD);
            assertThat(first.decision().decisionRule()).isEqualTo("evidence.late-failure");
            // example.com has one recipient in the breaker's window: too few to judge, so a provisional review first
            assertThat(first.decision().suppressionRule()).isEqualTo("suppress.provisional.hard");

            StoredEvidence again = rec.record(List.of(bounce)).getFirst();
            assertThat(again.duplicate()).isTrue();
            assertThat(again.evidenceId()).isEqualTo(first.evidenceId());

            var r = store.message(id).orElseThrow().recipients().getFirst();
            assertThat(r.state()).isEqualTo(RecipientState.BOUNCED_HARD);
            assertThat(r.lastRule()).isEqualTo("evidence.late-failure");
            assertThat(store.evidenceOfMessage(id)).hasSize(2);
            assertThat(store.suppression("jane@example.com", "transactional")).as("a review does not block").isEmpty();
            // the hold ends with the domain healthy: suppressed, still caused by the evidence row
            Suppressions decider = new Suppressions(SuppressionConfig.defaults());
            assertThat(store.sweepProvisional(decider, clock.instant().plus(Duration.ofMinutes(14))).total()).isZero();
            assertThat(store.sweepProvisional(decider, clock.instant().plus(Duration.ofMinutes(15))).suppressed()).isEqualTo(1);
            assertThat(store.suppression("jane@example.com", "transactional")).hasValueSatisfying(s -> {
                assertThat(s.ruleId()).isEqualTo("suppress.hard.userunknown");
                assertThat(s.evidenceRef()).isEqualTo(first.evidenceId());
            });
            // the evidence counts as a final outcome for later suppression decisions
            assertThat(store.finalOutcomes("Jane@Example.com", "transactional")).extracting(f -> f.state())
                    .containsExactly(RecipientState.DELIVERED, RecipientState.BOUNCED_HARD);
        }
    }

    @Test
    void unmatched_isStoredOnAddressAndDefaultStream_andIgnoredEventsChangeNothing() {
        try (SqliteStore store = open()) {
            EvidenceRecorder rec = recorder(store);
            List<StoredEvidence> out = rec.record(List.of(
                    ev("sendgrid:o1:bob@example.net", "Bob@example.net", "", null, ""),
                    ev("sendgrid:c1:bob@example.net", "bob@example.net", "nope@x", Outcome.COMPLAINT, "feedback")));
            assertThat(out).allSatisfy(s -> assertThat(s.match().matchedBy()).isEqualTo("none"));
            assertThat(out.get(0).decision().suppression()).isEmpty();
            assertThat(out.get(1).decision().suppressionRule()).isEqualTo("suppress.complaint");
            assertThat(store.evidenceOfAddress("BOB@example.net", 10)).extracting(e -> e.stream()).containsOnly("transactional");
            assertThat(store.suppressions(Optional.empty(), Optional.of("bob@example.net"), Optional.empty(), 10)).singleElement()
                    .satisfies(s -> assertThat(s.reason()).isEqualTo("feedback"));
        }
    }

    @Test
    void evidenceOnlyFailures_openTheDomainBreaker_hardBounceThenBecomesReview() {
        try (SqliteStore store = open()) {
            EvidenceRecorder rec = recorder(store);
            Instant since = clock.instant().minus(Suppressions.BREAKER_WINDOW);
            // 20 hard bounces at broken.test, each its own request (the breaker's counts are read in each one's transaction):
            // no attempt ever ran, only provider evidence.
            for (int i = 0; i < 20; i++) {
                StoredEvidence s = rec.record(List.of(ev("ses:hb" + i, "u" + i + "@broken.test", "", Outcome.BOUNCED_HARD, "userunknown"))).getFirst();
                assertThat(s.decision().suppressionRule()).as("bounce %d: too few recipients for the breaker to judge", i)
                        .isEqualTo("suppress.provisional.hard");
            }
            // a provider retry of the same event is a duplicate and is not counted again
            assertThat(rec.record(List.of(ev("ses:hb0", "u0@broken.test", "", Outcome.BOUNCED_HARD, "userunknown"))).getFirst().duplicate()).isTrue();
            var counts = store.domainOutcomes("broken.test", since);
            assertThat(counts.finals()).isEqualTo(20);
            assertThat(counts.failures()).isEqualTo(20);

            // 20 recipients, all failing: the breaker is open, the next hard bounce is a review, not a suppression.
            StoredEvidence next = rec.record(List.of(ev("ses:hb20", "u20@broken.test", "", Outcome.BOUNCED_HARD, "userunknown"))).getFirst();
            assertThat(next.decision().suppressionRule()).isEqualTo("suppress.breaker.hard");
            // stored as a REVIEW entry (not SUPPRESSED, which would stop intake)
            assertThat(store.suppression("u20@broken.test", "transactional")).isEmpty();
            assertThat(store.suppressions(Optional.of("transactional"), Optional.of("u20@broken.test"), Optional.empty(), 10))
                    .singleElement().satisfies(x -> {
                        assertThat(x.state()).isEqualTo(dev.rebound.server.store.SuppressionState.REVIEW);
                        assertThat(x.ruleId()).isEqualTo("suppress.breaker.hard");
                    });
            // when their hold ends the breaker is open: the 20 provisional reviews stay reviews, as the breaker's
            var swept = store.sweepProvisional(new Suppressions(SuppressionConfig.defaults()), clock.instant().plus(Duration.ofMinutes(15)));
            assertThat(swept.reviewed()).isEqualTo(20);
            assertThat(swept.suppressed()).isZero();
            assertThat(store.suppressions(Optional.of("transactional"), Optional.empty(), Optional.empty(), 100))
                    .hasSize(21).allSatisfy(x -> assertThat(x.ruleId()).isEqualTo("suppress.breaker.hard"));
            // another domain is not affected
            assertThat(rec.record(List.of(ev("ses:ok", "a@healthy.test", "", Outcome.BOUNCED_HARD, "userunknown"))).getFirst()
                    .decision().suppressionRule()).isEqualTo("suppress.provisional.hard");
        }
    }

    @Test
    void evidenceCounts_aLateBounceAfterDeliveredAddsAFailureNotASecondFinal_complaintsAndDeferralsNotCounted() {
        try (SqliteStore store = open()) {
            EvidenceRecorder rec = recorder(store);
            Instant since = clock.instant().minus(Suppressions.BREAKER_WINDOW);
            accept(store, "jane@late.test", "<late@rebound.test>");
            rec.record(List.of(ev("d1", "jane@late.test", "<late@rebound.test>", Outcome.DELIVERED, "delivered")));
            assertThat(store.domainOutcomes("late.test", since)).satisfies(c -> {
                assertThat(c.finals()).isEqualTo(1);
                assertThat(c.failures()).isZero();
            });
            rec.record(List.of(ev("b1", "jane@late.test", "<late@rebound.test>", Outcome.BOUNCED_HARD, "userunknown")));
            rec.record(List.of(ev("c1", "bob@late.test", "", Outcome.COMPLAINT, "feedback")));
            rec.record(List.of(ev("t1", "eve@late.test", "", Outcome.DEFERRED, "mailboxfull")));
            assertThat(store.domainOutcomes("late.test", since)).satisfies(c -> {
                assertThat(c.finals()).isEqualTo(1);
                assertThat(c.failures()).isEqualTo(1);
            });
        }
    }
}
