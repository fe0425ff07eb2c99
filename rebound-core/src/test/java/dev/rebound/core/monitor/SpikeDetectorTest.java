package dev.rebound.core.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The acceptance cases for the detector, and its rules one by one. */
class SpikeDetectorTest {
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    final SpikeDetector detector = new SpikeDetector(MonitorConfig.defaults());

    static List<Tally> window(int minutes, Tally last) {
        List<Tally> w = new ArrayList<>(Collections.nCopies(minutes - 1, Tally.ZERO));
        w.add(last);
        return w;
    }

    @Test
    void threeHardBouncesOutOfTenDoNotAlert() {
        Verdict v = detector.evaluate(Metric.HARD_BOUNCE, window(60, new Tally(10, 3)), 0.01, AlertState.QUIET, T0);
        assertThat(v.transition()).isEqualTo(Verdict.Transition.NONE);
        assertThat(v.level()).isEqualTo(Level.OK);
        assertThat(v.ruleId()).isEqualTo("hard_bounce.below-min-volume");
        assertThat(v.figures().rate()).isEqualTo(0.3);
    }

    @Test
    void threeHundredOfAThousandOnADomainWithAOnePercentBaselineAlertsAtOnce() {
        Verdict v = detector.evaluate(Metric.HARD_BOUNCE, window(60, new Tally(1000, 300)), 0.01, AlertState.QUIET, T0);
        assertThat(v.transition()).isEqualTo(Verdict.Transition.OPEN);
        assertThat(v.level()).isEqualTo(Level.CRITICAL);
        assertThat(v.ruleId()).isEqualTo("hard_bounce.ceiling.critical");
        assertThat(v.figures().trials()).isEqualTo(1000);
        assertThat(v.figures().events()).isEqualTo(300);
        assertThat(v.figures().lowerBound()).isBetween(0.25, 0.30);
    }

    @Test
    void aSpikeBelowTheCeilingIsFoundAgainstTheBaseline() {
        // 4.5 % hard bounces (under SES's 5 %) for 20 minutes on a domain that normally bounces 0.5 %
        List<Tally> w = new ArrayList<>(Collections.nCopies(40, new Tally(40, 0)));
        for (int i = 0; i < 20; i++) w.add(new Tally(100, i % 2 == 0 ? 4 : 5));
        Verdict v = detector.evaluate(Metric.HARD_BOUNCE, w, 0.005, AlertState.QUIET, T0);
        assertThat(v.transition()).isEqualTo(Verdict.Transition.OPEN);
        assertThat(v.ruleId()).startsWith("hard_bounce.spike.");
        assertThat(v.figures().minutes()).isLessThanOrEqualTo(20); // the change point is found, not the whole hour
        assertThat(v.figures().statistic()).isGreaterThanOrEqualTo(10.0);
        assertThat(v.figures().baseline()).isEqualTo(0.005);
    }

    @Test
    void aSteadyTwoPercentNeverAlertsOverASimulatedWeek() {
        Random random = new Random(20261204L);
        Deque<Tally> w = new ArrayDeque<>();
        AlertState state = AlertState.QUIET;
        int opened = 0;
        for (int minute = 0; minute < 7 * 24 * 60; minute++) {
            int n = 5 + random.nextInt(60); // 5..64 final outcomes a minute, ~50,000 a day
            int x = 0;
            for (int i = 0; i < n; i++) if (random.nextDouble() < 0.02) x++;
            w.addLast(new Tally(n, x));
            if (w.size() > 60) w.removeFirst();
            Verdict v = detector.evaluate(Metric.HARD_BOUNCE, List.copyOf(w), 0.02, state, T0.plus(Duration.ofMinutes(minute)));
            if (v.transition() == Verdict.Transition.OPEN) {
                opened++;
                state = new AlertState.Open(v.level(), v.ruleId(), T0.plus(Duration.ofMinutes(minute)));
            } else if (v.transition() == Verdict.Transition.RESOLVE) {
                state = AlertState.QUIET;
            }
        }
        assertThat(opened).isZero();
    }

    @Test
    void aRateHoveringAtTheCeilingDoesNotFlap() {
        // no spike test: only the 5 % ceiling decides; the rate swings between 4.2 % and 5.8 % every 20 minutes
        MetricRules noSpike = new MetricRules(MonitorConfig.defaults().rules(Metric.HARD_BOUNCE).warnCeiling(),
                MonitorConfig.defaults().rules(Metric.HARD_BOUNCE).criticalCeiling(), false, 10, 0.02, 0.005);
        SpikeDetector d = new SpikeDetector(MonitorConfig.defaults().withRules(Metric.HARD_BOUNCE, noSpike));
        Deque<Tally> w = new ArrayDeque<>();
        AlertState state = AlertState.QUIET;
        List<Verdict.Transition> changes = new ArrayList<>();
        for (int minute = 0; minute < 24 * 60; minute++) {
            boolean high = (minute / 20) % 2 == 0;
            w.addLast(new Tally(1000, high ? 58 : 42));
            if (w.size() > 60) w.removeFirst();
            Instant now = T0.plus(Duration.ofMinutes(minute));
            Verdict v = d.evaluate(Metric.HARD_BOUNCE, List.copyOf(w), 0.02, state, now);
            switch (v.transition()) {
                case OPEN -> state = new AlertState.Open(v.level(), v.ruleId(), now);
                case RESOLVE -> state = AlertState.QUIET;
                default -> {}
            }
            if (v.transition() != Verdict.Transition.NONE && v.transition() != Verdict.Transition.STAY) changes.add(v.transition());
        }
        assertThat(changes).containsExactly(Verdict.Transition.OPEN); // opened once, held by the band 4 %..5 %

        // once the rate is really back down it clears, once
        for (int minute = 24 * 60; minute < 26 * 60; minute++) {
            w.addLast(new Tally(1000, 10));
            if (w.size() > 60) w.removeFirst();
            Instant now = T0.plus(Duration.ofMinutes(minute));
            Verdict v = d.evaluate(Metric.HARD_BOUNCE, List.copyOf(w), 0.02, state, now);
            if (v.transition() == Verdict.Transition.RESOLVE) {
                changes.add(v.transition());
                state = AlertState.QUIET;
                assertThat(v.ruleId()).isEqualTo("hard_bounce.clear");
                assertThat(v.figures().rate()).isLessThan(0.04);
            }
        }
        assertThat(changes).containsExactly(Verdict.Transition.OPEN, Verdict.Transition.RESOLVE);
    }

    @Test
    void anOpenAlertHoldsForTheCoolDown() {
        AlertState open = new AlertState.Open(Level.WARN, "hard_bounce.ceiling.warn", T0);
        List<Tally> clean = window(60, new Tally(500, 0));
        Verdict early = detector.evaluate(Metric.HARD_BOUNCE, clean, 0.01, open, T0.plus(Duration.ofMinutes(14)));
        assertThat(early.transition()).isEqualTo(Verdict.Transition.STAY);
        assertThat(early.ruleId()).isEqualTo("hard_bounce.hold.cool-down");
        assertThat(early.level()).isEqualTo(Level.WARN);
        Verdict later = detector.evaluate(Metric.HARD_BOUNCE, clean, 0.01, open, T0.plus(Duration.ofMinutes(15)));
        assertThat(later.transition()).isEqualTo(Verdict.Transition.RESOLVE);
        assertThat(later.level()).isEqualTo(Level.OK);
    }

    @Test
    void aWindowWithoutTrafficClearsAfterTheCoolDown() {
        AlertState open = new AlertState.Open(Level.CRITICAL, "hard_bounce.ceiling.critical", T0);
        Verdict v = detector.evaluate(Metric.HARD_BOUNCE, window(60, Tally.ZERO), 0.01, open, T0.plus(Duration.ofHours(1)));
        assertThat(v.transition()).isEqualTo(Verdict.Transition.RESOLVE);
    }

    @Test
    void anOpenWarningEscalatesAndNeverDropsBackWhileOpen() {
        AlertState warn = new AlertState.Open(Level.WARN, "hard_bounce.ceiling.warn", T0);
        Verdict up = detector.evaluate(Metric.HARD_BOUNCE, window(60, new Tally(2000, 400)), 0.01, warn, T0.plus(Duration.ofMinutes(1)));
        assertThat(up.transition()).isEqualTo(Verdict.Transition.ESCALATE);
        assertThat(up.level()).isEqualTo(Level.CRITICAL);
        AlertState critical = new AlertState.Open(Level.CRITICAL, up.ruleId(), T0);
        Verdict mid = detector.evaluate(Metric.HARD_BOUNCE, window(60, new Tally(2000, 140)), 0.01, critical, T0.plus(Duration.ofMinutes(2)));
        assertThat(mid.transition()).isEqualTo(Verdict.Transition.STAY);
        assertThat(mid.level()).isEqualTo(Level.CRITICAL);
    }

    @Test
    void complaintsUseTheirOwnCeilings() {
        // 0.3 % complaints over 10,000 delivered: above SES's 0.1 % review level, below the 0.5 % pause level
        Verdict v = detector.evaluate(Metric.COMPLAINT, window(60, new Tally(10_000, 30)), 0.0005, AlertState.QUIET, T0);
        assertThat(v.transition()).isEqualTo(Verdict.Transition.OPEN);
        assertThat(v.ruleId()).isEqualTo("complaint.ceiling.warn");
        assertThat(v.figures().threshold()).isEqualTo(0.001);
    }

    @Test
    void wilsonBoundAndLikelihoodRatioMatchHandComputedValues() {
        // Wilson 1927 lower bound of 30/100 at z = 1.96: 0.2189 (the usual 95 % two-sided interval)
        assertThat(SpikeDetector.wilsonLower(new Tally(100, 30), 1.96)).isBetween(0.2188, 0.2190);
        // 10 of 100 against 2 %: 10 ln 5 + 90 ln(0.9/0.98) = 16.094 - 7.664 = 8.430
        assertThat(SpikeDetector.logLikelihoodRatio(10, 100, 0.02)).isBetween(8.42, 8.44);
        assertThat(SpikeDetector.logLikelihoodRatio(1, 100, 0.02)).isZero();
        assertThat(SpikeDetector.baseline(new Tally(0, 0), 0.03, 1000)).isEqualTo(0.03);
        assertThat(SpikeDetector.baseline(new Tally(1_000_000, 10_000), 0.03, 1000)).isBetween(0.0100, 0.0101);
    }
}
