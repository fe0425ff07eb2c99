package dev.rebound.core.monitor;

/**
 * The rates Rebound watches. Each is events over trials in a window of per-minute counts:
 * <ul>
 *   <li>{@code hard_bounce}: final hard bounces / final outcomes of sent mail (SES's bounce rate: hard bounces only)</li>
 *   <li>{@code soft_bounce}: final soft bounces (given up after retries, or refused permanently for a transient
 *       reason) / final outcomes</li>
 *   <li>{@code block}: final policy blocks (reputation, content, authentication) / final outcomes</li>
 *   <li>{@code complaint}: complaints (feedback loops, provider events) / delivered mail</li>
 *   <li>{@code defer}: attempts that ended deferred (4xx, connection failures) / attempts</li>
 * </ul>
 */
public enum Metric {
    HARD_BOUNCE("hard_bounce"), SOFT_BOUNCE("soft_bounce"), BLOCK("block"), COMPLAINT("complaint"), DEFER("defer");

    private final String id;

    Metric(String id) {
        this.id = id;
    }

    /** The stable name used in rule ids, the API and the configuration. */
    public String id() {
        return id;
    }

    public static Metric ofId(String id) {
        for (Metric m : values()) if (m.id.equals(id)) return m;
        throw new IllegalArgumentException("unknown metric '" + id + "': use one of hard_bounce, soft_bounce, block, complaint, defer");
    }
}
