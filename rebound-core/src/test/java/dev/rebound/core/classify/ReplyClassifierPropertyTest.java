package dev.rebound.core.classify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.smtp.EnhancedStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the classifier over arbitrary codes, enhanced codes, phases and texts built from rule phrases. */
class ReplyClassifierPropertyTest {
    private final ReplyClassifier classifier = ReplyClassifier.standard();

    @Provide
    Arbitrary<ReplyInput> inputs() {
        List<String> phrases = new ArrayList<>();
        for (ReplyRule r : classifier.rules()) collect(r.when(), phrases);
        Arbitrary<String> fragment = Arbitraries.oneOf(
                Arbitraries.of(phrases),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20));
        Arbitrary<String> text = fragment.list().ofMaxSize(4).map(l -> String.join(" ", l));
        Arbitrary<Integer> code = Arbitraries.oneOf(Arbitraries.integers().between(200, 599), Arbitraries.just(0));
        Arbitrary<Optional<EnhancedStatus>> enh = Arbitraries.oneOf(
                Arbitraries.just(Optional.<EnhancedStatus>empty()),
                Combinators.combine(Arbitraries.of(2, 4, 5), Arbitraries.integers().between(0, 9),
                        Arbitraries.oneOf(Arbitraries.integers().between(0, 30), Arbitraries.integers().between(0, 999)))
                        .as((c, s, d) -> Optional.of(new EnhancedStatus(c, s, d))));
        return Combinators.combine(code, enh, text, Arbitraries.of(SmtpPhase.class))
                .as((c, e, t, p) -> new ReplyInput(c, e, t, p, "example.com"));
    }

    private static void collect(Match m, List<String> out) {
        switch (m) {
            case Match.Text t -> out.addAll(t.anyOf());
            case Match.All a -> a.all().forEach(x -> collect(x, out));
            case Match.Not n -> collect(n.not(), out);
            default -> { }
        }
    }

    @Property(tries = 2000)
    void transientReplyIsNeverFinal(@ForAll("inputs") ReplyInput in) {
        if (in.code() >= 400 && in.code() < 500) {
            assertThat(classifier.classify(in).outcome()).isEqualTo(Outcome.DEFERRED);
        }
    }

    @Property(tries = 2000)
    void permanentReplyIsNeverDeferred(@ForAll("inputs") ReplyInput in) {
        if (in.code() >= 500) {
            Outcome o = classifier.classify(in).outcome();
            assertThat(o).isNotEqualTo(Outcome.DEFERRED).isNotEqualTo(Outcome.DELIVERED);
        }
    }

    @Property(tries = 2000)
    void positiveReplyIsDelivered(@ForAll("inputs") ReplyInput in) {
        if (in.code() >= 200 && in.code() < 300) {
            Classification c = classifier.classify(in);
            assertThat(c.outcome()).isEqualTo(Outcome.DELIVERED);
            assertThat(c.reason()).isEqualTo(Reason.DELIVERED);
        }
    }

    @Property(tries = 2000)
    void everyClassificationNamesItsRule(@ForAll("inputs") ReplyInput in) {
        Classification c = classifier.classify(in);
        assertThat(c.ruleId()).isNotBlank();
        String base = c.ruleId().replace(ReplyClassifier.CONFLICT, "").replace("@mail", "").replace("@connect", "");
        assertThat(base.matches("code\\.[23]xx|status\\.2xx")
                || classifier.rules().stream().anyMatch(r -> r.id().equals(base))).as(c.ruleId()).isTrue();
        assertThat(c.ruleId().endsWith(ReplyClassifier.CONFLICT) || !c.ruleId().contains("+")).isTrue();
    }

    @Property(tries = 1000)
    void policyReasonsAreNeverHardBounces(@ForAll("inputs") ReplyInput in) {
        Classification c = classifier.classify(in);
        if (c.reason().family() == Outcome.BLOCKED_POLICY) {
            assertThat(c.outcome()).isNotEqualTo(Outcome.BOUNCED_HARD);
        }
        if (c.reason() == Reason.MAILBOXFULL) {
            assertThat(c.outcome()).isIn(Outcome.DEFERRED, Outcome.BOUNCED_SOFT);
        }
    }

    @Property(tries = 1000)
    void deterministic(@ForAll("inputs") ReplyInput in) {
        assertThat(classifier.classify(in)).isEqualTo(classifier.classify(in));
    }
}
