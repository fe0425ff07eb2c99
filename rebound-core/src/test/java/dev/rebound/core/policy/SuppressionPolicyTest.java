package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static dev.rebound.core.policy.Fixtures.cls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuppressionPolicyTest {

    private static final SuppressionConfig C = SuppressionConfig.defaults();
    /** A busy domain, judged healthy: 1 of 100 recipients failed in the window. */
    private static final DomainHealth HEALTHY = new DomainHealth("example.com", Duration.ofHours(1), 100, 1);
    private static final DomainHealth OUTAGE = new DomainHealth("example.com", Duration.ofHours(1), 40, 31);

    private static Classification soft(Reason r) {
        return cls(Outcome.BOUNCED_SOFT, r, 0, "", "final: " + r.id());
    }

    private static final Classification EXPIRED = soft(Reason.EXPIRED);
    private static final Classification MAILBOXFULL = cls(Outcome.BOUNCED_SOFT, Reason.MAILBOXFULL, 552, "5.2.2",
            "5.2.2 Mailbox full");

    private static RecipientEvidence ev(Duration at, String msg, Classification c) {
        return new RecipientEvidence(T0.plus(at), msg, c, c.outcome().isFinal());
    }

    /** n final soft failures on n messages, {@code every} apart, starting at T0. */
    private static List<RecipientEvidence> softStreak(int n, Duration every, Classification c) {
        List<RecipientEvidence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(ev(every.multipliedBy(i), "m" + i, c));
        return out;
    }

    private static SuppressionDecision decide(List<RecipientEvidence> h, DomainHealth health, Duration nowOffset) {
        return SuppressionPolicy.decide(h, health, C, T0.plus(nowOffset));
    }

    private static Instant last(List<RecipientEvidence> h) {
        return h.get(h.size() - 1).at();
    }

    @Test
    void evidenceOfOneInstantIsReadInOneOrderWhateverTheHistorysOrder() {
        // found by SuppressionPolicyPropertiesTest: a delivery and a hard bounce at the same instant gave Suppress in
        // one input order and NoAction in the other; a failure of the same instant now counts as after the delivery (an
        // MX accepts before it bounces), as it would one millisecond later
        Classification delivered = cls(Outcome.DELIVERED, Reason.DELIVERED, 250, "2.0.0", "250 ok");
        var bounceFirst = List.of(ev(Duration.ZERO, "m0", Fixtures.userUnknown()), ev(Duration.ZERO, "m0", delivered));
        var deliveryFirst = List.of(ev(Duration.ZERO, "m0", delivered), ev(Duration.ZERO, "m0", Fixtures.userUnknown()));
        for (DomainHealth health : List.of(HEALTHY, new DomainHealth("example.com", Duration.ofHours(1), 0, 0))) {
            var later = List.of(ev(Duration.ZERO, "m0", delivered), ev(Duration.ofMillis(1), "m0", Fixtures.userUnknown()));
            assertThat(decide(bounceFirst, health, Duration.ofMillis(1))).isNotInstanceOf(NoAction.class)
                    .isEqualTo(decide(deliveryFirst, health, Duration.ofMillis(1)));
            assertThat(decide(bounceFirst, health, Duration.ofMillis(1)).ruleId()).isEqualTo(decide(later, health, Duration.ofMillis(1)).ruleId());
            assertThat(SuppressionPolicy.provisionalUntil(bounceFirst, C)).isEqualTo(SuppressionPolicy.provisionalUntil(deliveryFirst, C));
        }
        // two soft failures of one instant: the same decision, the same reason, in either order
        var a = new ArrayList<>(softStreak(4, Duration.ofDays(2), MAILBOXFULL));
        a.add(ev(Duration.ofDays(6), "m9", EXPIRED));
        var b = new ArrayList<>(a);
        java.util.Collections.swap(b, 3, 4);
        assertThat(decide(a, HEALTHY, Duration.ofDays(7))).isEqualTo(decide(b, HEALTHY, Duration.ofDays(7)));
    }

    @Test
    void noEvidenceIsNoAction() {
        assertThat(decide(List.of(), HEALTHY, Duration.ZERO)).isEqualTo(new NoAction("suppress.none.no-evidence"));
    }

    @Test
    void hardBounceOfRecipientClassSuppressesAtOnceWithPerReasonExpiry() {
        var h = List.of(ev(Duration.ZERO, "m1", Fixtures.userUnknown()));
        assertThat(decide(h, HEALTHY, Duration.ZERO))
                .isEqualTo(new Suppress(Reason.USERUNKNOWN, T0.plus(Duration.ofDays(365)), "suppress.hard.userunknown"));
        var host = List.of(ev(Duration.ZERO, "m1", cls(Outcome.BOUNCED_HARD, Reason.HOSTUNKNOWN, 0, "5.1.2", "NXDOMAIN")));
        assertThat(decide(host, HEALTHY, Duration.ZERO))
                .isEqualTo(new Suppress(Reason.HOSTUNKNOWN, T0.plus(Duration.ofDays(30)), "suppress.hard.hostunknown"));
        var moved = List.of(ev(Duration.ZERO, "m1", cls(Outcome.BOUNCED_HARD, Reason.HASMOVED, 551, "5.1.6", "moved")));
        assertThat(decide(moved, HEALTHY, Duration.ZERO).ruleId()).isEqualTo("suppress.hard.hasmoved");
        var nullMx = List.of(ev(Duration.ZERO, "m1", cls(Outcome.BOUNCED_HARD, Reason.NOTACCEPT, 556, "5.1.10",
                "Recipient address has null MX")));
        assertThat(decide(nullMx, HEALTHY, Duration.ZERO))
                .isEqualTo(new Suppress(Reason.NOTACCEPT, T0.plus(Duration.ofDays(90)), "suppress.hard.notaccept"));
    }

    @Test
    void expiredHardBounceNoLongerSuppresses() {
        var host = List.of(ev(Duration.ZERO, "m1", cls(Outcome.BOUNCED_HARD, Reason.HOSTUNKNOWN, 0, "", "NXDOMAIN")));
        assertThat(decide(host, HEALTHY, Duration.ofDays(31))).isInstanceOf(NoAction.class);
    }

    @Test
    void otherHardReasonGoesToReview() {
        var h = List.of(ev(Duration.ZERO, "m1", cls(Outcome.BOUNCED_HARD, Reason.SUPPRESSED, 0, "",
                "Amazon SES has suppressed sending to this address")));
        assertThat(decide(h, HEALTHY, Duration.ZERO)).isEqualTo(new Review(Reason.SUPPRESSED, "suppress.review.hard-other"));
    }

    @Test
    void complaintSuppressesEvenAfterADeliveryAndDespiteTheBreaker() {
        var h = List.of(ev(Duration.ZERO, "m1", Fixtures.delivered()),
                ev(Duration.ofHours(2), "m1", cls(Outcome.COMPLAINT, Reason.FEEDBACK, 0, "", "Feedback-Type: abuse")),
                ev(Duration.ofDays(1), "m2", Fixtures.delivered()));
        assertThat(decide(h, OUTAGE, Duration.ofDays(1))).isEqualTo(
                new Suppress(Reason.FEEDBACK, T0.plus(Duration.ofHours(2)).plus(Duration.ofDays(3650)), "suppress.complaint"));
    }

    @Test
    void policyBlocksNeverSuppressTheRecipient() {
        var h = new ArrayList<RecipientEvidence>();
        for (int i = 0; i < 10; i++) h.add(ev(Duration.ofDays(5L * i), "m" + i, Fixtures.policyBlock()));
        assertThat(decide(h, HEALTHY, Duration.ofDays(46))).isEqualTo(new NoAction("suppress.none.policy-block"));
        // also when a classifier calls a policy reason a soft bounce
        var softPolicy = softStreak(10, Duration.ofDays(5), soft(Reason.BADREPUTATION));
        assertThat(decide(softPolicy, HEALTHY, Duration.ofDays(46))).isEqualTo(new NoAction("suppress.none.policy-block"));
    }

    @Test
    void oneSoftBounceNeverSuppresses() {
        var h = List.of(ev(Duration.ZERO, "m1", MAILBOXFULL));
        assertThat(decide(h, HEALTHY, Duration.ZERO)).isEqualTo(new NoAction("suppress.none.single-soft"));
    }

    @Test
    void deferralsAreNotFinalAndCountForNothing() {
        var h = List.of(ev(Duration.ZERO, "m1", Fixtures.deferred()), ev(Duration.ofMinutes(5), "m1", Fixtures.deferred()));
        assertThat(decide(h, HEALTHY, Duration.ofMinutes(5))).isEqualTo(new NoAction("suppress.none.not-final"));
    }

    @Test
    void repeatedFinalSoftFailuresGoToReview() {
        var h = softStreak(3, Duration.ofHours(36), EXPIRED); // 3 messages over 72 h
        assertThat(decide(h, HEALTHY, Duration.ofHours(72))).isEqualTo(new Review(Reason.EXPIRED, "suppress.review.soft-repeated"));
        var tooQuick = softStreak(3, Duration.ofHours(35), EXPIRED); // 70 h only
        assertThat(decide(tooQuick, HEALTHY, Duration.ofHours(70))).isEqualTo(new NoAction("suppress.none.soft-below-threshold"));
    }

    @Test
    void theSameMessageCountsOnce() {
        var h = List.of(ev(Duration.ZERO, "m1", EXPIRED), ev(Duration.ofDays(2), "m1", EXPIRED),
                ev(Duration.ofDays(4), "m1", EXPIRED));
        assertThat(decide(h, HEALTHY, Duration.ofDays(4))).isEqualTo(new NoAction("suppress.none.single-soft"));
    }

    @Test
    void sustainedSoftFailuresSuppressWithAShortExpiry() {
        var h = softStreak(5, Duration.ofDays(8), EXPIRED); // 5 messages over 32 days
        assertThat(decide(h, HEALTHY, Duration.ofDays(32)))
                .isEqualTo(new Suppress(Reason.EXPIRED, last(h).plus(Duration.ofDays(30)), "suppress.soft.sustained"));
        var four = softStreak(4, Duration.ofDays(11), EXPIRED); // 4 messages over 33 days: review only
        assertThat(decide(four, HEALTHY, Duration.ofDays(33))).isInstanceOf(Review.class);
        var quick = softStreak(6, Duration.ofDays(5), EXPIRED); // 6 messages over 25 days: review only
        assertThat(decide(quick, HEALTHY, Duration.ofDays(25))).isInstanceOf(Review.class);
    }

    @Test
    void aDeliveryResetsTheSoftStreak() {
        var h = new ArrayList<>(softStreak(5, Duration.ofDays(8), EXPIRED));
        h.add(2, ev(Duration.ofDays(10), "ok", Fixtures.delivered()));
        // failures on days 0, 8 | delivery on day 10 | failures on days 16, 24, 32: only the last 3 count → review
        assertThat(decide(h, HEALTHY, Duration.ofDays(32))).isEqualTo(new Review(Reason.EXPIRED, "suppress.review.soft-repeated"));
        var delivered = new ArrayList<>(softStreak(2, Duration.ofDays(1), EXPIRED));
        delivered.add(ev(Duration.ofDays(3), "ok", Fixtures.delivered()));
        assertThat(decide(delivered, HEALTHY, Duration.ofDays(3))).isEqualTo(new NoAction("suppress.none.delivered"));
    }

    @Test
    void aDeliveryAfterAHardBounceLiftsIt() {
        var h = List.of(ev(Duration.ZERO, "m1", Fixtures.userUnknown()), ev(Duration.ofDays(40), "m2", Fixtures.delivered()));
        assertThat(decide(h, HEALTHY, Duration.ofDays(40))).isEqualTo(new NoAction("suppress.none.delivered"));
    }

    @Test
    void mailboxFullPersistingAMonthSuppresses() {
        var h = List.of(ev(Duration.ZERO, "m1", MAILBOXFULL), ev(Duration.ofDays(31), "m2", MAILBOXFULL));
        assertThat(decide(h, HEALTHY, Duration.ofDays(31))).isEqualTo(new Suppress(Reason.MAILBOXFULL,
                T0.plus(Duration.ofDays(61)), "suppress.soft.mailboxfull-persistent"));
        var shortly = List.of(ev(Duration.ZERO, "m1", MAILBOXFULL), ev(Duration.ofDays(20), "m2", MAILBOXFULL));
        assertThat(decide(shortly, HEALTHY, Duration.ofDays(20))).isEqualTo(new NoAction("suppress.none.soft-below-threshold"));
    }

    @Test
    void oldSoftEvidenceAgesOut() {
        var h = softStreak(5, Duration.ofDays(8), EXPIRED);
        // 130 days later: the earliest failures are outside the 120-day window
        assertThat(decide(h, HEALTHY, Duration.ofDays(130))).isNotInstanceOf(Suppress.class);
    }

    @Test
    void circuitBreakerTurnsSuppressionsIntoReviews() {
        var hard = List.of(ev(Duration.ZERO, "m1", Fixtures.userUnknown()));
        assertThat(decide(hard, OUTAGE, Duration.ZERO)).isEqualTo(new Review(Reason.USERUNKNOWN, "suppress.breaker.hard"));
        var soft = softStreak(5, Duration.ofDays(8), EXPIRED);
        assertThat(decide(soft, OUTAGE, Duration.ofDays(32))).isEqualTo(new Review(Reason.EXPIRED, "suppress.breaker.soft"));
        var full = List.of(ev(Duration.ZERO, "m1", MAILBOXFULL), ev(Duration.ofDays(31), "m2", MAILBOXFULL));
        assertThat(decide(full, OUTAGE, Duration.ofDays(31))).isEqualTo(new Review(Reason.MAILBOXFULL, "suppress.breaker.soft"));
    }

    @Test
    void aHardBounceAtADomainTheBreakerCannotJudgeYetIsAProvisionalReviewUntilTheHoldEnds() {
        var hard = List.of(ev(Duration.ZERO, "m1", Fixtures.userUnknown()));
        DomainHealth small = new DomainHealth("example.com", Duration.ofHours(1), 19, 1);
        assertThat(decide(hard, DomainHealth.unknown("example.com"), Duration.ZERO))
                .isEqualTo(new Review(Reason.USERUNKNOWN, "suppress.provisional.hard"));
        assertThat(decide(hard, small, Duration.ofMinutes(14))).isEqualTo(new Review(Reason.USERUNKNOWN, "suppress.provisional.hard"));
        assertThat(SuppressionPolicy.provisionalUntil(hard, C)).contains(T0.plus(Duration.ofMinutes(15)));
        // decided again when the hold ends: a domain still below the breaker's minimum is taken as healthy...
        assertThat(decide(hard, small, Duration.ofMinutes(15)))
                .isEqualTo(new Suppress(Reason.USERUNKNOWN, T0.plus(Duration.ofDays(365)), "suppress.hard.userunknown"));
        // ...one the breaker judges failing by then keeps the review, as the breaker's
        assertThat(decide(hard, OUTAGE, Duration.ofMinutes(15))).isEqualTo(new Review(Reason.USERUNKNOWN, "suppress.breaker.hard"));
        // a busy healthy domain's hard bounce suppresses at once
        assertThat(decide(hard, HEALTHY, Duration.ZERO)).isInstanceOf(Suppress.class);
        // the hold counts from the first recipient-gone bounce since the last delivery: a second one does not extend it
        var twice = List.of(ev(Duration.ZERO, "m1", Fixtures.userUnknown()), ev(Duration.ofMinutes(10), "m2", Fixtures.userUnknown()));
        assertThat(SuppressionPolicy.provisionalUntil(twice, C)).contains(T0.plus(Duration.ofMinutes(15)));
        assertThat(decide(twice, small, Duration.ofMinutes(15)).ruleId()).isEqualTo("suppress.hard.userunknown");
        var afterDelivery = List.of(ev(Duration.ZERO, "m1", Fixtures.userUnknown()),
                ev(Duration.ofMinutes(5), "m2", cls(Outcome.DELIVERED, Reason.DELIVERED, 250, "2.0.0", "ok")),
                ev(Duration.ofMinutes(20), "m3", Fixtures.userUnknown()));
        assertThat(SuppressionPolicy.provisionalUntil(afterDelivery, C)).contains(T0.plus(Duration.ofMinutes(35)));
        // no recipient-gone bounce, or the hold off: nothing provisional
        assertThat(SuppressionPolicy.provisionalUntil(List.of(ev(Duration.ZERO, "m1", MAILBOXFULL)), C)).isEmpty();
        SuppressionConfig off = new SuppressionConfig(C.userUnknownExpiry(), C.hasMovedExpiry(), C.hostUnknownExpiry(),
                C.notAcceptExpiry(), C.complaintExpiry(), C.softReviewMessages(), C.softReviewSpan(), C.softSuppressMessages(),
                C.softSuppressSpan(), C.mailboxFullMessages(), C.mailboxFullSpan(), C.softSuppressExpiry(), C.softEvidenceWindow(),
                C.breakerFailureShare(), C.breakerMinRecipients(), Duration.ZERO);
        assertThat(SuppressionPolicy.decide(hard, small, off, T0).ruleId()).isEqualTo("suppress.hard.userunknown");
        assertThat(SuppressionPolicy.provisionalUntil(hard, off)).isEmpty();
        // complaints are never held
        var complaint = List.of(ev(Duration.ZERO, "m1", cls(Outcome.COMPLAINT, Reason.FEEDBACK, 0, "", "abuse")));
        assertThat(decide(complaint, small, Duration.ZERO).ruleId()).isEqualTo("suppress.complaint");
    }

    @Test
    void breakerNeedsEnoughRecipientsAndShare() {
        assertThat(new DomainHealth("d", Duration.ofHours(1), 40, 20).unhealthy(C)).isTrue();
        assertThat(new DomainHealth("d", Duration.ofHours(1), 40, 19).unhealthy(C)).isFalse();
        assertThat(new DomainHealth("d", Duration.ofHours(1), 19, 19).unhealthy(C)).as("small sample").isFalse();
        assertThat(DomainHealth.unknown("d").unhealthy(C)).isFalse();
        assertThatThrownBy(() -> new DomainHealth("d", Duration.ofHours(1), 3, 4))
                .hasMessageContaining("failingRecipients=4").hasMessageContaining("recipients=3");
    }

    @Test
    void configRejectsThresholdsThatWouldSuppressOnOneSoftBounce() {
        assertThatThrownBy(() -> new SuppressionConfig(Duration.ofDays(365), Duration.ofDays(365), Duration.ofDays(30),
                Duration.ofDays(90), Duration.ofDays(3650), 3, Duration.ofHours(72), 1, Duration.ofDays(30), 2,
                Duration.ofDays(30), Duration.ofDays(30), Duration.ofDays(120), 0.5, 20, Duration.ofMinutes(15)))
                .hasMessageContaining("softSuppressMessages").hasMessageContaining("got 1");
        assertThatThrownBy(() -> new SuppressionConfig(Duration.ofDays(365), Duration.ofDays(365), Duration.ZERO,
                Duration.ofDays(90), Duration.ofDays(3650), 3, Duration.ofHours(72), 5, Duration.ofDays(30), 2,
                Duration.ofDays(30), Duration.ofDays(30), Duration.ofDays(120), 0.5, 20, Duration.ofMinutes(15)))
                .hasMessageContaining("hostUnknownExpiry").hasMessageContaining("PT0S");
    }
}
