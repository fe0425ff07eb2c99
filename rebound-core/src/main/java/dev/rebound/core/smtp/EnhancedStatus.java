package dev.rebound.core.smtp;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RFC 3463 enhanced mail system status code, {@code class.subject.detail}: class is 2, 4 or 5,
 * subject and detail are 0–999 without leading zeros beyond one digit (RFC 3463 §2).
 */
public record EnhancedStatus(int statusClass, int subject, int detail) {
    static final Pattern CODE = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.]*\\d)");

    public EnhancedStatus {
        if (statusClass != 2 && statusClass != 4 && statusClass != 5) {
            throw new IllegalArgumentException("enhanced status class must be 2, 4 or 5, got " + statusClass);
        }
        if (subject < 0 || subject > 999 || detail < 0 || detail > 999) {
            throw new IllegalArgumentException("enhanced status subject and detail must be 0-999, got "
                    + subject + "." + detail);
        }
    }

    /** Parses exactly one code such as {@code 5.1.1}; throws with the input quoted otherwise. */
    public static EnhancedStatus parse(String s) {
        return tryParse(s).orElseThrow(() -> new IllegalArgumentException(
                "not an RFC 3463 enhanced status code (class.subject.detail, class 2/4/5): \"" + s + "\""));
    }

    /** Parses exactly one code; empty when {@code s} is not one. */
    public static Optional<EnhancedStatus> tryParse(String s) {
        if (s == null) return Optional.empty();
        String t = s.trim();
        Matcher m = CODE.matcher(t);
        if (!m.matches()) return Optional.empty();
        return Optional.of(of(m));
    }

    /** Finds the first enhanced status code in free text (e.g. after a reply code); empty when none. */
    public static Optional<EnhancedStatus> find(CharSequence text) {
        if (text == null) return Optional.empty();
        Matcher m = CODE.matcher(text);
        int from = 0;
        while ((from = findFrom(m, text, from)) >= 0) {
            String subj = m.group(2), det = m.group(3);
            if (subj.length() > 1 && subj.charAt(0) == '0') continue;
            if (det.length() > 1 && det.charAt(0) == '0') continue;
            return Optional.of(of(m));
        }
        return Optional.empty();
    }

    /**
     * {@code m.find()} from {@code from}, tried only where a code can start (a class digit right before a dot):
     * the same leftmost match as the regex's own scan, without running it at every position of a long text.
     * Returns the match's end (where the next search starts), or -1.
     */
    static int findFrom(Matcher m, CharSequence text, int from) {
        m.useTransparentBounds(true).useAnchoringBounds(false);
        int n = text.length();
        String s = text instanceof String str ? str : null;
        for (int dot = from + 1; dot < n; dot++) {
            if (s != null) {
                dot = s.indexOf('.', dot);
                if (dot < 0) return -1;
            } else if (text.charAt(dot) != '.') {
                continue;
            }
            char c = text.charAt(dot - 1);
            if (c != '2' && c != '4' && c != '5') continue;
            m.region(dot - 1, n);
            if (m.lookingAt()) return m.end();
        }
        return -1;
    }

    private static EnhancedStatus of(Matcher m) {
        return new EnhancedStatus(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
    }

    public boolean isSuccess() { return statusClass == 2; }
    public boolean isTransient() { return statusClass == 4; }
    public boolean isPermanent() { return statusClass == 5; }

    /** Pre-built strings for the common codes (class 2/4/5, subject 0–9, detail 0–99): no allocation on hot paths. */
    private static final String[] NAMES = new String[3 * 10 * 100];

    static {
        int[] classes = {2, 4, 5};
        for (int c = 0; c < 3; c++) {
            for (int s = 0; s < 10; s++) {
                for (int d = 0; d < 100; d++) NAMES[(c * 10 + s) * 100 + d] = classes[c] + "." + s + "." + d;
            }
        }
    }

    @Override
    public String toString() {
        if (subject < 10 && detail < 100) {
            int c = statusClass == 2 ? 0 : statusClass == 4 ? 1 : 2;
            return NAMES[(c * 10 + subject) * 100 + detail];
        }
        return statusClass + "." + subject + "." + detail;
    }
}
