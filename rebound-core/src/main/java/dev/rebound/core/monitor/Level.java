package dev.rebound.core.monitor;

/** How bad a scope's rate is: nothing to say, look at it, act now. */
public enum Level {
    OK, WARN, CRITICAL;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public Level max(Level other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
