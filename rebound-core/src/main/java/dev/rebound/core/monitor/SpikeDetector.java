package dev.rebound.core.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Decides whether one scope's rate (overall, a recipient domain, a stream) is ok, worth a warning or critical, from
 * per-minute counts of a moving window and the scope's baseline rate. Pure: counts, baseline, the alert's state and
 * {@code now} in, a {@link Verdict} with its rule id and figures out.
 *
 * <p><b>Method.</b> Two rules, the higher level wins (a tie goes to the ceiling, the plainer reason):
 * <ol>
 *   <li><b>Absolute ceilings</b> (SES's review / pause levels by default: hard bounces 5 % / 10 %, complaints
 *       0.1 % / 0.5 %): the window's rate alerts when its <b>Wilson lower confidence bound</b> (Wilson 1927,
 *       "Probable inference, the law of succession, and statistical inference", JASA 22:209-212; one-sided at
 *       {@link MonitorConfig#z()}) is at or above the ceiling. The bound, not the observed rate: 3 hard bounces out of
 *       10 sends (30 %) has a lower bound near 8 % at 99.9 % and is too few to say anything anyway.</li>
 *   <li><b>Spikes against the baseline</b>: a Bernoulli <b>generalised likelihood ratio (GLR) chart over a moving
 *       window</b>. Each message is a Bernoulli trial (as in the Bernoulli CUSUM of Reynolds &amp; Stoumbos 1999, "A
 *       CUSUM chart for monitoring a proportion when inspecting continuously", J. Quality Technology 31(1):87-108);
 *       the GLR form (a moving-window Bernoulli GLR chart, doi:10.1002/qre.1416) does not need the shifted rate
 *       chosen in advance: for every change point τ in the window (every minute boundary) it takes the counts since
 *       τ, n trials and x events, their rate p̂ = x/n and the log-likelihood ratio against the baseline p₀,
 *       {@code x ln(p̂/p₀) + (n-x) ln((1-p̂)/(1-p₀))} (0 when p̂ ≤ p₀), and the statistic is the largest over τ.
 *       A spike needs the statistic at or above {@link MonitorConfig#glrThreshold()} <em>and</em> the Wilson lower
 *       bound of that stretch at or above the spike level {@code max(p₀ · spikeRatio, p₀ + minIncrease)} (critical:
 *       {@code max(p₀ · criticalRatio, p₀ + 2 · minIncrease)}): significance alone would alert on irrelevant rises at
 *       large volumes, the effect size alone on noise at small ones. A CUSUM keeps a running sum between evaluations;
 *       the windowed GLR is a function of the stored per-minute counts alone, so every evaluation (on any node) of
 *       the same counts gives the same answer, and an old spike leaves the statistic when it leaves the window.</li>
 * </ol>
 * <b>Minimum volume</b>: a stretch is judged only with at least {@link MonitorConfig#minTrials()} trials and
 * {@link MetricRules#minEvents()} events (fewer: rule {@code <metric>.below-min-volume}, never an alert).
 * <b>Baseline</b>: the caller's (e.g. the scope's own rate over the previous week, shrunk towards the overall rate
 * when the scope has little history: {@link #baseline}); never below {@link MetricRules#baselineFloor()}.
 * <b>Hysteresis</b>: an open alert clears only when the window's observed rate falls below
 * {@code resolveRatio} times the lowest level that opens one (the warn ceiling, the spike level); opening needs the
 * lower bound above that level, so a rate hovering at the threshold neither opens and clears nor clears and reopens
 * on every evaluation. <b>Cool-down</b>: an alert stays open at least {@link MonitorConfig#coolDown()}. A window
 * with no trials at all clears an open alert once the cool-down is over (nothing is failing any more).
 */
public final class SpikeDetector {
    private final MonitorConfig config;

    public SpikeDetector(MonitorConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public MonitorConfig config() {
        return config;
    }

    /**
     * Evaluates one scope's metric.
     *
     * @param metric   the metric the counts are of
     * @param minutes  the moving window's per-minute counts, oldest first (minutes without traffic as {@link Tally#ZERO})
     * @param baseline the scope's normal rate (clamped to [{@link MetricRules#baselineFloor()}, 0.5])
     * @param state    the scope's open alert for this metric, if any
     * @param now      the evaluation time (only the cool-down reads it)
     */
    public Verdict evaluate(Metric metric, List<Tally> minutes, double baseline, AlertState state, Instant now) {
        MetricRules rules = config.rules(metric);
        double p0 = Math.min(0.5, Math.max(rules.baselineFloor(), Double.isNaN(baseline) ? 0 : baseline));
        Tally window = Tally.ZERO;
        for (Tally t : minutes) window = window.plus(t);
        double windowLower = wilsonLower(window, config.z());
        boolean enough = window.trials() >= config.minTrials() && window.events() >= rules.minEvents();
        double spikeLevel = Math.max(p0 * config.spikeRatio(), p0 + rules.minIncrease());
        double criticalSpikeLevel = Math.max(p0 * config.criticalRatio(), p0 + 2 * rules.minIncrease());

        // rule 1: ceilings on the whole window
        Candidate ceiling = null;
        if (enough) {
            if (rules.criticalCeiling().isPresent() && windowLower >= rules.criticalCeiling().getAsDouble()) {
                ceiling = new Candidate(Level.CRITICAL, metric.id() + ".ceiling.critical",
                        figures(window, windowLower, p0, 0, rules.criticalCeiling().getAsDouble(), minutes.size()));
            } else if (rules.warnCeiling().isPresent() && windowLower >= rules.warnCeiling().getAsDouble()) {
                ceiling = new Candidate(Level.WARN, metric.id() + ".ceiling.warn",
                        figures(window, windowLower, p0, 0, rules.warnCeiling().getAsDouble(), minutes.size()));
            }
        }

        // rule 2: the Bernoulli GLR over every change point of the window (suffixes, newest first)
        Candidate spike = null;
        double maxStatistic = 0;
        if (rules.spike()) {
            long n = 0;
            long x = 0;
            for (int k = minutes.size() - 1; k >= 0; k--) {
                n += minutes.get(k).trials();
                x += minutes.get(k).events();
                if (n == 0) continue;
                double llr = logLikelihoodRatio(x, n, p0);
                maxStatistic = Math.max(maxStatistic, llr);
                if (n < config.minTrials() || x < rules.minEvents() || llr < config.glrThreshold()) continue;
                Tally stretch = new Tally(n, x);
                double lower = wilsonLower(stretch, config.z());
                if (lower < spikeLevel) continue;
                Level level = lower >= criticalSpikeLevel ? Level.CRITICAL : Level.WARN;
                if (spike == null || level.compareTo(spike.level) > 0
                        || (level == spike.level && llr > spike.figures.statistic())) {
                    spike = new Candidate(level, metric.id() + ".spike." + level.id(),
                            figures(stretch, lower, p0, llr, level == Level.CRITICAL ? criticalSpikeLevel : spikeLevel,
                                    minutes.size() - k));
                }
            }
        }

        Candidate raw = ceiling;
        if (spike != null && (raw == null || spike.level.compareTo(raw.level) > 0)) raw = spike;
        Figures windowFigures = figures(window, windowLower, p0, maxStatistic, spikeLevel, minutes.size());

        return switch (state) {
            case AlertState.Quiet q -> raw == null
                    ? new Verdict(Level.OK, metric.id() + (enough ? ".ok" : ".below-min-volume"), Verdict.Transition.NONE, windowFigures)
                    : new Verdict(raw.level, raw.ruleId, Verdict.Transition.OPEN, raw.figures);
            case AlertState.Open open -> stillOpen(metric, rules, open, raw, window, windowLower, p0, maxStatistic, spikeLevel, minutes.size(), now);
        };
    }

    private Verdict stillOpen(Metric metric, MetricRules rules, AlertState.Open open, Candidate raw, Tally window, double windowLower,
                              double p0, double statistic, double spikeLevel, int minutes, Instant now) {
        if (raw != null && raw.level.compareTo(open.level()) > 0) {
            return new Verdict(raw.level, raw.ruleId, Verdict.Transition.ESCALATE, raw.figures);
        }
        if (raw != null) return new Verdict(open.level(), raw.ruleId, Verdict.Transition.STAY, raw.figures);
        double clearLevel = config.resolveRatio() * openingLevel(rules, spikeLevel);
        Figures f = figures(window, windowLower, p0, statistic, clearLevel, minutes);
        if (Duration.between(open.openedAt(), now).compareTo(config.coolDown()) < 0) {
            return new Verdict(open.level(), metric.id() + ".hold.cool-down", Verdict.Transition.STAY, f);
        }
        if (window.trials() == 0 || window.rate() < clearLevel) {
            return new Verdict(Level.OK, metric.id() + ".clear", Verdict.Transition.RESOLVE, f);
        }
        return new Verdict(open.level(), metric.id() + ".hold.hysteresis", Verdict.Transition.STAY, f);
    }

    /** The lowest level at which an alert opens: the lowest ceiling or the spike level, whichever is lower. */
    private static double openingLevel(MetricRules rules, double spikeLevel) {
        OptionalDouble ceiling = rules.lowestCeiling();
        if (!rules.spike()) return ceiling.orElse(1.0);
        return ceiling.isPresent() ? Math.min(ceiling.getAsDouble(), spikeLevel) : spikeLevel;
    }

    private static Figures figures(Tally t, double lower, double p0, double statistic, double threshold, int minutes) {
        return new Figures(t.trials(), t.events(), t.rate(), lower, p0, statistic, threshold, minutes);
    }

    private record Candidate(Level level, String ruleId, Figures figures) {}

    /**
     * The Wilson score interval's lower bound of {@code t}'s rate at the one-sided normal quantile {@code z}
     * (Wilson 1927); 0 without trials.
     */
    public static double wilsonLower(Tally t, double z) {
        if (t.trials() == 0) return 0;
        double n = t.trials();
        double p = t.rate();
        double z2 = z * z;
        double centre = p + z2 / (2 * n);
        double spread = z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.max(0, (centre - spread) / (1 + z2 / n));
    }

    /**
     * The Bernoulli log-likelihood ratio of {@code x} events in {@code n} trials at their own rate against the rate
     * {@code p0}; 0 when the observed rate is not above {@code p0} (the chart watches for increases only).
     */
    public static double logLikelihoodRatio(long x, long n, double p0) {
        if (n == 0) return 0;
        double p = (double) x / n;
        if (p <= p0) return 0;
        double up = x * Math.log(p / p0);
        double down = x == n ? 0 : (n - x) * Math.log((1 - p) / (1 - p0));
        return up + down;
    }

    /**
     * A scope's baseline from its own history, shrunk towards {@code prior} (e.g. the overall rate) with the weight of
     * {@code priorTrials} trials: {@code (events + prior · priorTrials) / (trials + priorTrials)}. A scope with much
     * history keeps its own rate; one with none gets the prior (empirical-Bayes beta-binomial smoothing).
     */
    public static double baseline(Tally history, double prior, long priorTrials) {
        if (priorTrials < 0) throw new IllegalArgumentException("priorTrials must be >= 0, got " + priorTrials);
        if (history.trials() + priorTrials == 0) return prior;
        return (history.events() + prior * priorTrials) / (history.trials() + priorTrials);
    }
}
