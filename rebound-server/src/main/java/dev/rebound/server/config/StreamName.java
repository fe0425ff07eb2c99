package dev.rebound.server.config;

import java.util.regex.Pattern;

/** The one rule for a stream name (a suppression list and a reporting group): what config, the API and the store accept. */
public final class StreamName {
    private static final Pattern RULE = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,63}");

    /** What to tell a caller whose stream name broke the rule. */
    public static final String EXPECTED = "a stream name is 1-64 characters of a-z, 0-9, '_', '.', '-', starting with a letter or digit";

    /** The stream a message goes to when it names none. */
    public static final String DEFAULT = "transactional";

    private StreamName() {}

    public static boolean valid(String name) {
        return name != null && RULE.matcher(name).matches();
    }
}
