package dev.rebound.core.monitor;

import java.util.OptionalDouble;

/**
 * What alerts on one metric.
 *
 * @param warnCeiling      absolute ceiling for a warning (e.g. SES reviews an account at 5 % hard bounces); empty: none
 * @param criticalCeiling  absolute ceiling for a critical alert (SES may pause at 10 %); empty: none
 * @param spike            whether the statistical spike test against the scope's baseline runs for this metric
 * @param minEvents        the fewest events (in the evaluated stretch) that may alert
 * @param minIncrease      the smallest absolute rise over the baseline worth an alert (a spike must clear both
 *                         {@code baseline * spikeRatio} and {@code baseline + minIncrease}); critical at twice it
 * @param baselineFloor    the baseline is never taken below this (a scope with no history of events would make
 *                         any single event "infinitely" surprising)
 */
public record MetricRules(OptionalDouble warnCeiling, OptionalDouble criticalCeiling, boolean spike, int minEvents,
                          double minIncrease, double baselineFloor) {
    public MetricRules {
        check(warnCeiling, "warnCeiling");
        check(criticalCeiling, "criticalCeiling");
        if (warnCeiling.isPresent() && criticalCeiling.isPresent() && criticalCeiling.getAsDouble() < warnCeiling.getAsDouble()) {
            throw new IllegalArgumentException("MetricRules: criticalCeiling " + criticalCeiling.getAsDouble()
                    + " is below warnCeiling " + warnCeiling.getAsDouble() + "; the critical ceiling must be the higher one");
        }
        if (minEvents < 1) throw new IllegalArgumentException("MetricRules.minEvents must be >= 1, got " + minEvents);
        if (!(minIncrease > 0 && minIncrease < 1)) throw new IllegalArgumentException("MetricRules.minIncrease must be in (0, 1), got " + minIncrease);
        if (!(baselineFloor > 0 && baselineFloor < 0.5)) throw new IllegalArgumentException("MetricRules.baselineFloor must be in (0, 0.5), got " + baselineFloor);
    }

    private static void check(OptionalDouble v, String name) {
        if (v.isPresent() && !(v.getAsDouble() > 0 && v.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("MetricRules." + name + " must be a fraction in (0, 1], got " + v.getAsDouble());
        }
    }

    /** The lowest ceiling (warn, else critical), the level an alert opened by a ceiling must fall under to clear. */
    public OptionalDouble lowestCeiling() {
        return warnCeiling.isPresent() ? warnCeiling : criticalCeiling;
    }
}
