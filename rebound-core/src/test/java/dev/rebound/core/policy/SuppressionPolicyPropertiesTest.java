package dev.rebound.core.policy;

import static dev.rebound.core.policy.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class SuppressionPolicyPropertiesTest {

    private static final SuppressionConfig C = SuppressionConfig.defaults();

    private static Arbitrary<RecipientEvidence> evidence(Arbitrary<Outcome> outcomes, Arbitrary<Reason> reasons,
                                                         Arbitrary<Boolean> finals) {
        return Combinators.combine(Arbitraries.longs().between(0, 400L * 24 * 3600), Arbitraries.integers().between(0, 30),
                        outcomes, reasons, finals)
                .as((s, m, o, r, f) -> new RecipientEvidence(T0.plusSeconds(s), "m" + m,
                        new Classification(o, r, "gen", new Evidence(0, "", "", SmtpPhase.NONE, "example.com", "")), f));
    }

    @Provide
    Arbitrary<DomainHealth> health() {
        return Combinators.combine(Arbitraries.integers().between(0, 100), Arbitraries.doubles().between(0, 1))
                .as((n, share) -> new DomainHealth("example.com", Duration.ofHours(1), n, (int) Math.floor(n * share)));
    }

    /** Any number of deliveries, deferrals, non-final soft results and policy blocks, and exactly one final soft bounce. */
    @Provide
    Arbitrary<List<RecipientEvidence>> oneSoftBounce() {
        Arbitrary<RecipientEvidence> noise = Arbitraries.oneOf(
                evidence(Arbitraries.of(Outcome.DELIVERED, Outcome.DEFERRED, Outcome.BLOCKED_POLICY),
                        Arbitraries.of(Reason.class), Arbitraries.of(true, false)),
                evidence(Arbitraries.just(Outcome.BOUNCED_SOFT), Arbitraries.of(Reason.class), Arbitraries.just(false)));
        Arbitrary<RecipientEvidence> theOne = evidence(Arbitraries.just(Outcome.BOUNCED_SOFT), Arbitraries.of(Reason.class),
                Arbitraries.just(true));
        return Combinators.combine(noise.list().ofMaxSize(20), theOne, Arbitraries.integers().between(0, 20))
                .as((list, one, pos) -> {
                    List<RecipientEvidence> out = new ArrayList<>(list);
                    out.add(Math.min(pos, out.size()), one);
                    return out;
                });
    }

    @Provide
    Arbitrary<List<RecipientEvidence>> policyOnly() {
        Arbitrary<Reason> policyReasons = Arbitraries.of(Reason.class).filter(r -> r.family() == Outcome.BLOCKED_POLICY);
        return Arbitraries.oneOf(
                evidence(Arbitraries.just(Outcome.BLOCKED_POLICY), Arbitraries.of(Reason.class), Arbitraries.of(true, false)),
                evidence(Arbitraries.of(Outcome.BOUNCED_SOFT, Outcome.BOUNCED_HARD), policyReasons, Arbitraries.of(true, false)),
                evidence(Arbitraries.of(Outcome.DEFERRED, Outcome.DELIVERED), Arbitraries.of(Reason.class), Arbitraries.of(true, false))
        ).list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<RecipientEvidence>> anything() {
        return evidence(Arbitraries.of(Outcome.class), Arbitraries.of(Reason.class), Arbitraries.of(true, false))
                .list().ofMaxSize(40);
    }

    @Property
    void oneSoftBounceNeverSuppresses(@ForAll("oneSoftBounce") List<RecipientEvidence> h, @ForAll("health") DomainHealth d,
                                      @ForAll @LongRange(min = 0, max = 500) long nowDays) {
        SuppressionDecision s = SuppressionPolicy.decide(h, d, C, T0.plus(Duration.ofDays(nowDays)));
        assertThat(s).isNotInstanceOf(Suppress.class);
    }

    @Property
    void aBlockedPolicyHistoryNeverSuppresses(@ForAll("policyOnly") List<RecipientEvidence> h,
                                              @ForAll("health") DomainHealth d,
                                              @ForAll @LongRange(min = 0, max = 500) long nowDays) {
        SuppressionDecision s = SuppressionPolicy.decide(h, d, C, T0.plus(Duration.ofDays(nowDays)));
        assertThat(s).isNotInstanceOf(Suppress.class);
        assertThat(s).isNotInstanceOf(Review.class);
    }

    @Property
    void anUnhealthyDomainOnlySuppressesComplainers(@ForAll("anything") List<RecipientEvidence> h,
                                                     @ForAll @IntRange(min = 20, max = 100) int n,
                                                     @ForAll @LongRange(min = 0, max = 500) long nowDays) {
        DomainHealth outage = new DomainHealth("example.com", Duration.ofHours(1), n, n);
        SuppressionDecision s = SuppressionPolicy.decide(h, outage, C, T0.plus(Duration.ofDays(nowDays)));
        if (s instanceof Suppress sup) assertThat(sup.ruleId()).isEqualTo("suppress.complaint");
    }

    @Property
    void everySuppressionExpiresInTheFutureAndEveryDecisionHasARule(@ForAll("anything") List<RecipientEvidence> h,
                                                                     @ForAll("health") DomainHealth d,
                                                                     @ForAll @LongRange(min = 0, max = 500) long nowDays) {
        Instant now = T0.plus(Duration.ofDays(nowDays));
        SuppressionDecision s = SuppressionPolicy.decide(h, d, C, now);
        assertThat(s.ruleId()).startsWith("suppress.");
        if (s instanceof Suppress sup) assertThat(sup.expiresAt()).isAfter(now);
        // order of the input does not matter
        List<RecipientEvidence> reversed = new ArrayList<>(h);
        java.util.Collections.reverse(reversed);
        SuppressionDecision r = SuppressionPolicy.decide(reversed, d, C, now);
        assertThat(r.getClass()).isEqualTo(s.getClass());
    }
}
