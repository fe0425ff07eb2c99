package dev.rebound.core.monitor;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Settings of the {@link SpikeDetector}.
 *
 * @param rules         per metric: ceilings, spike test, minimum events, minimum rise, baseline floor
 * @param minTrials     the fewest trials (in the evaluated stretch) that may alert: smaller samples never do
 * @param z             the one-sided normal quantile of the Wilson lower bound (3.09: 99.9 %)
 * @param glrThreshold  the Bernoulli GLR statistic (log-likelihood ratio) a spike must reach
 * @param spikeRatio    a spike's rate must be at least this multiple of the baseline (critical at {@code criticalRatio})
 * @param criticalRatio a spike is critical at this multiple of the baseline
 * @param resolveRatio  an open alert clears only when the window's rate falls under this share of the level that
 *                      opens one (hysteresis: 0.8 = 20 % below)
 * @param coolDown      an open alert stays open at least this long
 */
public record MonitorConfig(Map<Metric, MetricRules> rules, long minTrials, double z, double glrThreshold, double spikeRatio,
                            double criticalRatio, double resolveRatio, Duration coolDown) {
    public MonitorConfig {
        rules = Map.copyOf(rules);
        for (Metric m : Metric.values()) {
            if (!rules.containsKey(m)) throw new IllegalArgumentException("MonitorConfig.rules has no entry for " + m.id());
        }
        if (minTrials < 1) throw new IllegalArgumentException("MonitorConfig.minTrials must be >= 1, got " + minTrials);
        if (!(z > 0)) throw new IllegalArgumentException("MonitorConfig.z must be > 0, got " + z);
        if (!(glrThreshold > 0)) throw new IllegalArgumentException("MonitorConfig.glrThreshold must be > 0, got " + glrThreshold);
        if (!(spikeRatio > 1)) throw new IllegalArgumentException("MonitorConfig.spikeRatio must be > 1, got " + spikeRatio);
        if (!(criticalRatio >= spikeRatio)) throw new IllegalArgumentException("MonitorConfig.criticalRatio must be >= spikeRatio, got " + criticalRatio);
        if (!(resolveRatio > 0 && resolveRatio <= 1)) throw new IllegalArgumentException("MonitorConfig.resolveRatio must be in (0, 1], got " + resolveRatio);
        if (coolDown.isNegative()) throw new IllegalArgumentException("MonitorConfig.coolDown must not be negative, got " + coolDown);
    }

    /**
     * Defaults: SES's ceilings (hard bounces 5 % warn / 10 % critical, complaints 0.1 % / 0.5 %), spikes on every
     * metric; at least 200 trials and 20 events (5 complaints; PostHog's hourly minimum is 200 sends and 20 bounces),
     * Wilson bound at 99.9 %, GLR threshold 12 (chosen with {@code AlertSimulation} in rebound-bench), a spike at
     * 2x the baseline (critical 5x), clearing 20 % below, open at least 15 minutes.
     */
    public static MonitorConfig defaults() {
        Map<Metric, MetricRules> r = new EnumMap<>(Metric.class);
        r.put(Metric.HARD_BOUNCE, new MetricRules(OptionalDouble.of(0.05), OptionalDouble.of(0.10), true, 20, 0.02, 0.005));
        r.put(Metric.COMPLAINT, new MetricRules(OptionalDouble.of(0.001), OptionalDouble.of(0.005), true, 5, 0.001, 0.0001));
        r.put(Metric.SOFT_BOUNCE, new MetricRules(OptionalDouble.empty(), OptionalDouble.empty(), true, 20, 0.02, 0.005));
        r.put(Metric.BLOCK, new MetricRules(OptionalDouble.empty(), OptionalDouble.empty(), true, 20, 0.02, 0.005));
        r.put(Metric.DEFER, new MetricRules(OptionalDouble.empty(), OptionalDouble.empty(), true, 20, 0.05, 0.01));
        return new MonitorConfig(r, 200, 3.09, 12.0, 2.0, 5.0, 0.8, Duration.ofMinutes(15));
    }

    public MetricRules rules(Metric m) {
        return rules.get(m);
    }

    public MonitorConfig withRules(Metric m, MetricRules r) {
        Map<Metric, MetricRules> copy = new EnumMap<>(rules);
        copy.put(m, r);
        return new MonitorConfig(copy, minTrials, z, glrThreshold, spikeRatio, criticalRatio, resolveRatio, coolDown);
    }
}
