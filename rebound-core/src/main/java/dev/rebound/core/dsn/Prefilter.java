package dev.rebound.core.dsn;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A necessary condition for a rule's regular expression, derived from the expression itself: for each top-level
 * alternative, the longest run of literal characters it must contain. When the text contains none of them, the
 * expression cannot match and is not run (a String.indexOf scan is far cheaper than a regex alternation tried at
 * every position). Alternatives without a literal of at least 3 characters make the rule unfilterable (always run).
 */
final class Prefilter {
    private final String[] needles; // null = always run

    private Prefilter(String[] needles) {
        this.needles = needles;
    }

    static Prefilter of(Pattern p) {
        List<String> n = needles(p.pattern(), 0);
        return new Prefilter(n == null ? null : n.toArray(String[]::new));
    }

    /**
     * Needles for an expression: one per top-level alternative, its longest unconditional literal; when an
     * alternative has none of at least 3 characters, the needles of a required (unquantified, non-lookaround)
     * group inside it. Null when some alternative has neither.
     */
    static List<String> needles(String re, int depth) {
        List<String> out = new ArrayList<>();
        for (String alt : splitTopLevel(re)) {
            String lit = longestLiteral(alt);
            if (lit.length() >= 3) {
                out.add(lit);
                continue;
            }
            List<String> fromGroup = depth < 3 ? requiredGroupNeedles(alt, depth) : null;
            if (fromGroup == null) return null;
            out.addAll(fromGroup);
        }
        return out;
    }

    private static List<String> requiredGroupNeedles(String alt, int depth) {
        for (int i = 0; i < alt.length(); i++) {
            char c = alt.charAt(i);
            if (c == '\\') { i++; continue; }
            if (c == '[') { i = skipClass(alt, i); continue; }
            if (c != '(') continue;
            int end = closing(alt, i);
            boolean quantified = end + 1 < alt.length() && "?*{".indexOf(alt.charAt(end + 1)) >= 0;
            boolean lookaround = alt.startsWith("(?=", i) || alt.startsWith("(?!", i) || alt.startsWith("(?<", i);
            if (!quantified && !lookaround) {
                String inner = alt.substring(alt.startsWith("(?:", i) ? i + 3 : i + 1, end);
                List<String> n = needles(inner, depth + 1);
                if (n != null) return n;
            }
            i = end;
        }
        return null;
    }

    private static int closing(String s, int i) {
        int depth = 0;
        boolean inClass = false;
        for (int j = i; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') { j++; continue; }
            if (inClass) { if (c == ']') inClass = false; continue; }
            if (c == '[') inClass = true;
            else if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return j;
        }
        return s.length() - 1;
    }

    /**
     * A pattern split into its top-level alternatives, each guarded by its own needles: only the alternatives
     * whose literal occurs in the text are run. Finds whether any alternative matches (not the leftmost match).
     */
    static final class Split {
        private final Pattern[] alts;
        private final Prefilter[] guards;
        private final Anchored[] anchored; // null where an alternative may begin with something other than a literal

        Split(Pattern p) {
            List<String> parts = splitTopLevel(p.pattern());
            alts = new Pattern[parts.size()];
            guards = new Prefilter[parts.size()];
            anchored = new Anchored[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                alts[i] = Pattern.compile(parts.get(i), p.flags());
                guards[i] = Prefilter.of(alts[i]);
                if ((p.flags() & Pattern.CASE_INSENSITIVE) == 0 && startLiterals(parts.get(i), 0) != null) {
                    anchored[i] = new Anchored(alts[i]);
                }
            }
        }

        /** The text of the first alternative (in pattern order) that matches, or null. */
        String find(String text) {
            return find(text, text);
        }

        /**
         * As {@link #find(String)} for a case-insensitive pattern (lower-case literals) on text of any case: the
         * needles are looked up in {@code lowerText}, the text in lower case, and the alternatives run on {@code text}.
         */
        String find(String text, String lowerText) {
            for (int i = 0; i < alts.length; i++) {
                if (!guards[i].mayMatch(lowerText)) continue;
                if (anchored[i] != null) {
                    java.util.regex.Matcher m = anchored[i].find(text);
                    if (m != null) return m.group();
                    continue;
                }
                java.util.regex.Matcher m = alts[i].matcher(text);
                if (m.find()) return m.group();
            }
            return null;
        }
    }

    /**
     * A pattern whose every match begins with one of a few literals (derived from the pattern: the mandatory literal
     * prefix of each top-level alternative, looking into a leading group). {@link #find} runs the pattern only where
     * one of them occurs, in text order, anchored there: the same leftmost match as {@code Matcher.find()}, without
     * trying the whole alternation at every position of a long text.
     */
    static final class Anchored {
        private final Pattern pattern;
        private final String[] starts;

        Anchored(Pattern p) {
            List<String> s = startLiterals(p.pattern(), 0);
            if (s == null || (p.flags() & Pattern.CASE_INSENSITIVE) != 0) {
                throw new IllegalArgumentException("not every match of /" + p.pattern()
                        + "/ begins with a literal (or the pattern ignores case): use Matcher.find()");
            }
            this.pattern = p;
            this.starts = s.toArray(String[]::new);
        }

        /** A matcher on the leftmost match in {@code text}, or null when there is none. */
        java.util.regex.Matcher find(String text) {
            int n = starts.length;
            int[] next = new int[n];
            for (int k = 0; k < n; k++) next[k] = text.indexOf(starts[k]);
            java.util.regex.Matcher m = null;
            while (true) {
                int pos = -1;
                for (int k = 0; k < n; k++) {
                    if (next[k] >= 0 && (pos < 0 || next[k] < pos)) pos = next[k];
                }
                if (pos < 0) return null;
                if (m == null) m = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                m.region(pos, text.length());
                if (m.lookingAt()) return m;
                for (int k = 0; k < n; k++) {
                    if (next[k] == pos) next[k] = text.indexOf(starts[k], pos + 1);
                }
            }
        }
    }

    /**
     * The literal each top-level alternative of {@code re} must begin with (a leading unquantified group counts by its
     * own alternatives); null when some alternative may begin otherwise (a class, an anchor, an optional element).
     */
    static List<String> startLiterals(String re, int depth) {
        List<String> out = new ArrayList<>();
        for (String alt : splitTopLevel(re)) {
            if (alt.startsWith("(?:") && depth < 3) {
                int end = closing(alt, 0);
                boolean quantified = end + 1 < alt.length() && "?*{".indexOf(alt.charAt(end + 1)) >= 0;
                List<String> inner = quantified ? null : startLiterals(alt.substring(3, end), depth + 1);
                if (inner == null) return null;
                out.addAll(inner);
                continue;
            }
            StringBuilder lit = new StringBuilder();
            int i = 0;
            for (; i < alt.length(); i++) {
                char c = alt.charAt(i);
                if ("\\.^$|[](){}?*+".indexOf(c) >= 0) break;
                lit.append(c);
            }
            if (i < alt.length() && "?*{".indexOf(alt.charAt(i)) >= 0 && lit.length() > 0) lit.setLength(lit.length() - 1);
            if (lit.isEmpty()) return null;
            out.add(lit.toString());
        }
        return out;
    }

    /** False only when the pattern certainly cannot match {@code text}. */
    boolean mayMatch(String text) {
        if (needles == null) return true;
        for (String n : needles) {
            if (text.contains(n)) return true;
        }
        return false;
    }

    static List<String> splitTopLevel(String re) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        boolean inClass = false;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\') { i++; continue; }
            if (inClass) { if (c == ']') inClass = false; continue; }
            if (c == '[') inClass = true;
            else if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == '|' && depth == 0) { out.add(re.substring(start, i)); start = i + 1; }
        }
        out.add(re.substring(start));
        return out;
    }

    /** The longest run of characters the alternative matches literally and unconditionally. */
    static String longestLiteral(String alt) {
        String best = "";
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < alt.length(); i++) {
            char c = alt.charAt(i);
            if (c == '?' || c == '*' || (c == '{' && i + 1 < alt.length() && alt.charAt(i + 1) == '0')) {
                if (run.length() > 0) run.setLength(run.length() - 1); // the previous char was optional
                best = longer(best, run);
                run.setLength(0);
                if (c == '{') i = skipTo(alt, i, '}');
                continue;
            }
            if (c == '{') { i = skipTo(alt, i, '}'); best = longer(best, run); run.setLength(0); continue; }
            if (c == '+') { best = longer(best, run); run.setLength(0); continue; }
            if (c == '\\' || c == '.' || c == '^' || c == '$' || c == '|') {
                best = longer(best, run);
                run.setLength(0);
                if (c == '\\') i++;
                continue;
            }
            if (c == '[') {
                best = longer(best, run);
                run.setLength(0);
                i = skipClass(alt, i);
                if (i + 1 < alt.length() && "?*{".indexOf(alt.charAt(i + 1)) >= 0) { /* optional class */ }
                continue;
            }
            if (c == '(') {
                best = longer(best, run);
                run.setLength(0);
                i = skipGroup(alt, i);
                continue;
            }
            run.append(c);
        }
        return longer(best, run);
    }

    private static String longer(String best, StringBuilder run) {
        return run.length() > best.length() ? run.toString() : best;
    }

    private static int skipTo(String s, int i, char end) {
        int j = s.indexOf(end, i);
        return j < 0 ? s.length() - 1 : j;
    }

    private static int skipClass(String s, int i) {
        for (int j = i + 1; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') { j++; continue; }
            if (c == ']' && j > i + 1) return j;
        }
        return s.length() - 1;
    }

    /** Skips a group and a quantifier right after it. */
    private static int skipGroup(String s, int i) {
        int j = closing(s, i);
        if (j + 1 < s.length() && "?*+".indexOf(s.charAt(j + 1)) >= 0) j++;
        else if (j + 1 < s.length() && s.charAt(j + 1) == '{') j = skipTo(s, j + 1, '}');
        return j;
    }
}
