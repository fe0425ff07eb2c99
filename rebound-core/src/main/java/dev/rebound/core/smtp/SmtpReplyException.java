package dev.rebound.core.smtp;

/**
 * A reply that does not follow RFC 5321 §4.2 (or exceeds Rebound's size caps). The message quotes the
 * offending input (shortened to 200 characters, control characters escaped) and says what is wrong.
 */
public final class SmtpReplyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private static final int QUOTE_MAX = 200;

    public SmtpReplyException(String problem, CharSequence input) {
        super(problem + ": \"" + quote(input) + "\"");
    }

    /** The input made printable: CR, LF, TAB and other controls escaped, cut at 200 characters. */
    static String quote(CharSequence input) {
        if (input == null) return "";
        StringBuilder sb = new StringBuilder();
        int n = Math.min(input.length(), QUOTE_MAX);
        for (int i = 0; i < n; i++) {
            char c = input.charAt(i);
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                default -> {
                    if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
            }
        }
        if (input.length() > QUOTE_MAX) sb.append("…(").append(input.length()).append(" chars)");
        return sb.toString();
    }
}
