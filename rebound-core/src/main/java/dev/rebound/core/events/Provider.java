package dev.rebound.core.events;

import java.util.Locale;
import java.util.Optional;

/** The hosted email providers whose webhooks Rebound accepts. {@link #id()} is the path segment. */
public enum Provider {
    /** Amazon SES notifications delivered through an SNS HTTP(S) subscription. */
    SES,
    SENDGRID,
    POSTMARK,
    MAILGUN,
    SPARKPOST;

    /** The lower-case name used in {@code POST /v1/providers/{provider}/events} and in rule ids. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Looks a provider up by its path name; empty for anything else. */
    public static Optional<Provider> fromId(String id) {
        if (id == null) return Optional.empty();
        for (Provider p : values()) {
            if (p.id().equals(id.trim().toLowerCase(Locale.ROOT))) return Optional.of(p);
        }
        return Optional.empty();
    }
}
