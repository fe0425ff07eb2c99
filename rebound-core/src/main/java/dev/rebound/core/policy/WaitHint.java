package dev.rebound.core.policy;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An explicit wait hint in a reply text, e.g. "try again in 5 minutes", "retry in 300 seconds",
 * "please try again after 10 min", "Greylisted for 300 seconds", "try again in 5-10 minutes" (the upper bound
 * is taken). Postal honours such hints too (mta-anchors §3). Pure text parsing: a retry verb must come
 * shortly before the number, so status codes such as "4.16.55.1" or "TSS04" are never read as a wait.
 *
 * @param delay   the wait the receiver asked for
 * @param matched the part of the text that said so, as written
 */
public record WaitHint(Duration delay, String matched) {

    /** Verbs, at most 24 non-digit characters, a number (or range) and a unit. Input is capped at 4 KiB. */
    private static final Pattern HINT = Pattern.compile(
            "\\b(?:try(?:\\s+(?:again|later|back))?|retry|resend|wait|come\\s+back|gr[ea]y-?listed)\\b"
                    + "[^0-9.;:\\n]{0,24}?"
                    + "(\\d{1,6})(?:\\s*(?:-|to)\\s*(\\d{1,6}))?\\s*"
                    + "(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final int MAX_TEXT = 4096;

    public WaitHint {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(matched, "matched");
    }

    /** The first wait hint in {@code text}; empty when there is none (or the text is null). */
    public static Optional<WaitHint> find(String text) {
        if (text == null || text.isEmpty()) return Optional.empty();
        String t = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
        Matcher m = HINT.matcher(t);
        if (!m.find()) return Optional.empty();
        long n = Long.parseLong(m.group(2) != null ? m.group(2) : m.group(1));
        String unit = m.group(3).toLowerCase(Locale.ROOT);
        Duration d = switch (unit.charAt(0)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        return Optional.of(new WaitHint(d, m.group()));
    }
}
