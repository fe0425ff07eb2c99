package dev.rebound.core.monitor;

/**
 * The detector's decision for one scope and metric at one evaluation.
 *
 * @param level      the level now (while an alert is open: the highest it reached, never below WARN)
 * @param ruleId     the rule that decided, {@code <metric>.<rule>} (e.g. {@code hard_bounce.ceiling.critical},
 *                   {@code complaint.spike.warn}, {@code defer.below-min-volume}, {@code hard_bounce.clear})
 * @param transition what the caller does with its stored alert
 * @param figures    the numbers that decided
 */
public record Verdict(Level level, String ruleId, Transition transition, Figures figures) {
    public enum Transition {
        /** No alert before, none now. */
        NONE,
        /** Open a new alert. */
        OPEN,
        /** The open alert reached a higher level. */
        ESCALATE,
        /** The open alert stays as it is. */
        STAY,
        /** The open alert is resolved. */
        RESOLVE
    }
}
