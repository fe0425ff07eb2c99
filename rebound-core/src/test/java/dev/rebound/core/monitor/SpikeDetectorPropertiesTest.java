package dev.rebound.core.monitor;

import static org.assertj.core.api.Assertions.assertThat;

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
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class SpikeDetectorPropertiesTest {
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    final SpikeDetector detector = new SpikeDetector(MonitorConfig.defaults());

    @Provide
    Arbitrary<List<Tally>> windows() {
        Arbitrary<Tally> minute = Combinators.combine(Arbitraries.integers().between(0, 400), Arbitraries.doubles().between(0, 1))
                .as((n, share) -> new Tally(n, Math.round(n * share * share))); // skewed towards low rates
        return minute.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property
    void smallSamplesNeverAlert(@ForAll("windows") List<Tally> w, @ForAll Metric metric, @ForAll @DoubleRange(min = 0, max = 0.5) double baseline) {
        long trials = w.stream().mapToLong(Tally::trials).sum();
        List<Tally> small = trials < MonitorConfig.defaults().minTrials() ? w : w.subList(w.size() - 1, w.size());
        if (small.stream().mapToLong(Tally::trials).sum() >= MonitorConfig.defaults().minTrials()) return;
        Verdict v = detector.evaluate(metric, small, baseline, AlertState.QUIET, T0);
        assertThat(v.level()).isEqualTo(Level.OK);
        assertThat(v.transition()).isEqualTo(Verdict.Transition.NONE);
    }

    @Property
    void moreEventsNeverLowerTheLevel(@ForAll("windows") List<Tally> w, @ForAll Metric metric,
                                      @ForAll @DoubleRange(min = 0, max = 0.5) double baseline, @ForAll @IntRange(min = 1, max = 500) int extra) {
        Tally last = w.get(w.size() - 1);
        List<Tally> worse = new ArrayList<>(w);
        worse.set(w.size() - 1, new Tally(last.trials() + extra, last.events() + extra));
        // adding failed trials to the newest minute: every stretch's rate, bound and likelihood ratio grow or stay
        Level before = detector.evaluate(metric, w, baseline, AlertState.QUIET, T0).level();
        Level after = detector.evaluate(metric, worse, baseline, AlertState.QUIET, T0).level();
        assertThat(after).isGreaterThanOrEqualTo(before);
    }

    @Property
    void aHigherBaselineNeverRaisesTheLevel(@ForAll("windows") List<Tally> w, @ForAll Metric metric,
                                            @ForAll @DoubleRange(min = 0, max = 0.25) double baseline,
                                            @ForAll @DoubleRange(min = 0, max = 0.25) double more) {
        Level low = detector.evaluate(metric, w, baseline, AlertState.QUIET, T0).level();
        Level high = detector.evaluate(metric, w, baseline + more, AlertState.QUIET, T0).level();
        assertThat(high).isLessThanOrEqualTo(low);
    }

    @Property
    void noWindowBothOpensAndClears(@ForAll("windows") List<Tally> w, @ForAll Metric metric,
                                    @ForAll @DoubleRange(min = 0, max = 0.5) double baseline) {
        // hysteresis: what would open an alert can never resolve one (so no open/resolve ping-pong on one state)
        Verdict quiet = detector.evaluate(metric, w, baseline, AlertState.QUIET, T0);
        Verdict open = detector.evaluate(metric, w, baseline, new AlertState.Open(Level.WARN, metric.id() + ".x", T0), T0.plus(Duration.ofDays(1)));
        if (quiet.transition() == Verdict.Transition.OPEN) assertThat(open.transition()).isNotEqualTo(Verdict.Transition.RESOLVE);
        assertThat(quiet.transition()).isIn(Verdict.Transition.NONE, Verdict.Transition.OPEN);
        assertThat(open.transition()).isIn(Verdict.Transition.STAY, Verdict.Transition.ESCALATE, Verdict.Transition.RESOLVE);
        assertThat(open.level()).isEqualTo(open.transition() == Verdict.Transition.RESOLVE ? Level.OK
                : open.level().max(Level.WARN));
        assertThat(quiet.ruleId()).startsWith(metric.id() + ".");
    }

    @Property
    void theWilsonBoundIsABoundOfTheRate(@ForAll @IntRange(min = 0, max = 100_000) int n, @ForAll @DoubleRange(min = 0, max = 1) double share,
                                         @ForAll @DoubleRange(min = 0.5, max = 4) double z) {
        Tally t = new Tally(n, Math.round(n * share));
        double lower = SpikeDetector.wilsonLower(t, z);
        assertThat(lower).isBetween(0.0, t.rate() + 1e-12);
    }
}
