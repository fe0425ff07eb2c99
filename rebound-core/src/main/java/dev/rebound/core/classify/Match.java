package dev.rebound.core.classify;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The condition of a {@link ReplyRule}: a small closed vocabulary of data, not code, so a rule table can be
 * printed, reviewed and extended. Text is matched as lower-case ASCII substrings (no regular expressions:
 * one Aho–Corasick pass over the text finds every phrase of every rule at once, see {@link PhraseScanner}).
 */
public sealed interface Match {

    /** The RFC 3463 code's subject and detail (any class), {@code detail = ANY} for a whole subject. */
    record Status(int subject, int detail) implements Match {
        public static final int ANY = -1;
        @Override public String toString() { return "X." + subject + "." + (detail == ANY ? "*" : detail); }
    }

    /** The enhanced code's class (2, 4 or 5). */
    record StatusClass(int statusClass) implements Match {}

    /** Any of the phrases occurs in the text (case-insensitive, ASCII). */
    record Text(List<String> anyOf) implements Match {
        public Text {
            anyOf = List.copyOf(anyOf);
            if (anyOf.isEmpty()) throw new IllegalArgumentException("a text match needs at least one phrase");
            for (String p : anyOf) {
                if (p.isBlank()) throw new IllegalArgumentException("blank phrase in " + anyOf);
                for (int i = 0; i < p.length(); i++) {
                    if (p.charAt(i) >= 0x80) throw new IllegalArgumentException("phrases are ASCII only: \"" + p + "\"");
                }
                if (!p.equals(p.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("phrases are written in lower case: \"" + p + "\"");
                }
            }
        }
    }

    /** The reply code lies in {@code [from, to]}; 0 stands for "no reply code" (a DSN without one). */
    record Code(int from, int to) implements Match {}

    /** The reply came in one of these phases. */
    record Phase(Set<SmtpPhase> phases) implements Match {
        public Phase { phases = phases.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(phases)); }
    }

    /** The text is empty or blank. */
    record NoText() implements Match {}

    /** All conditions hold. */
    record All(List<Match> all) implements Match {
        public All { all = List.copyOf(all); }
    }

    /** The condition does not hold. */
    record Not(Match not) implements Match {}

    // ---- short constructors for the rule table ----

    static Match status(int subject, int detail) { return new Status(subject, detail); }
    static Match statusClass(int cls) { return new StatusClass(cls); }
    static Match subject(int subject) { return new Status(subject, Status.ANY); }
    static Match text(String... phrases) { return new Text(List.of(phrases)); }
    static Match code(int from, int to) { return new Code(from, to); }
    static Match code(int exact) { return new Code(exact, exact); }
    static Match phase(SmtpPhase... phases) { return new Phase(Set.of(phases)); }
    static Match noText() { return new NoText(); }
    static Match all(Match... all) { return new All(List.of(all)); }
    static Match not(Match m) { return new Not(m); }
}
