package dev.rebound.core.classify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds which of a fixed set of lower-case ASCII phrases occur in a text, in one pass, case-insensitively.
 *
 * <p>Design: an Aho–Corasick automaton (Aho & Corasick, "Efficient string matching", CACM 18(6), 1975)
 * compiled to a dense DFA over a compact alphabet: every character that appears in some phrase gets a
 * symbol, every other character (including all non-ASCII) maps to symbol 0, which no phrase contains.
 * Scanning is one table lookup per character and never backtracks, so its cost is linear in the text
 * whatever the number of phrases (no regular-expression backtracking). Each state knows the phrases that
 * end in it (including through failure links), merged at build time. Immutable and thread-safe.
 */
final class PhraseScanner {
    private final String[] phrases;
    /** Symbol of each Latin-1 character; upper-case ASCII letters share their lower-case letter's symbol. */
    private final byte[] symbolOf = new byte[256];
    private final int alphabet;
    /**
     * The DFA as 16-bit cells (half the cache footprint of ints): entry {@code [state * alphabet + symbol]}
     * holds the target state shifted left by one, with the low bit set when phrases end in that state; so
     * the scan loop does one load per character and touches {@link #out} only on a hit.
     */
    private final char[] delta;
    private final int[][] out;

    PhraseScanner(List<String> phraseList) {
        this.phrases = phraseList.toArray(String[]::new);
        int next = 1;
        for (String p : phrases) {
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c >= 128) throw new IllegalArgumentException("phrase is not ASCII: \"" + p + "\"");
                if (symbolOf[c] == 0) {
                    if (next > 127) throw new IllegalArgumentException("too many distinct characters in phrases");
                    symbolOf[c] = (byte) next++;
                }
            }
        }
        this.alphabet = next;
        for (char c = 'A'; c <= 'Z'; c++) symbolOf[c] = symbolOf[c + 32];
        // Trie.
        List<int[]> go = new ArrayList<>();
        List<List<Integer>> outs = new ArrayList<>();
        go.add(new int[alphabet]);
        outs.add(new ArrayList<>());
        for (int id = 0; id < phrases.length; id++) {
            int s = 0;
            for (int i = 0; i < phrases[id].length(); i++) {
                int sym = symbolOf[phrases[id].charAt(i)];
                if (go.get(s)[sym] == 0) {
                    go.add(new int[alphabet]);
                    outs.add(new ArrayList<>());
                    go.get(s)[sym] = go.size() - 1;
                }
                s = go.get(s)[sym];
            }
            outs.get(s).add(id);
        }
        // Failure links by BFS, turned into a full DFA.
        int n = go.size();
        int[] fail = new int[n];
        int[] dfa = new int[n * alphabet];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int sym = 0; sym < alphabet; sym++) {
            int t = go.get(0)[sym];
            dfa[sym] = t;
            if (t != 0) queue.add(t);
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            outs.get(s).addAll(outs.get(fail[s]));
            for (int sym = 0; sym < alphabet; sym++) {
                int t = go.get(s)[sym];
                if (t != 0) {
                    fail[t] = dfa[fail[s] * alphabet + sym];
                    dfa[s * alphabet + sym] = t;
                    queue.add(t);
                } else {
                    dfa[s * alphabet + sym] = dfa[fail[s] * alphabet + sym];
                }
            }
        }
        out = new int[n][];
        for (int s = 0; s < n; s++) {
            List<Integer> o = outs.get(s);
            out[s] = o.isEmpty() ? null : o.stream().distinct().mapToInt(Integer::intValue).toArray();
        }
        if (n >= 1 << 15) throw new IllegalArgumentException("phrase set too large: " + n + " automaton states");
        delta = new char[dfa.length];
        for (int i = 0; i < dfa.length; i++) {
            int target = dfa[i];
            delta[i] = (char) (target << 1 | (out[target] != null ? 1 : 0));
        }
    }

    int size() {
        return phrases.length;
    }

    String phrase(int id) {
        return phrases[id];
    }

    /** Words needed for a bit set of {@link #size()} bits. */
    int words() {
        return (phrases.length + 63) >>> 6;
    }

    /**
     * Sets bit {@code id} in {@code found} (all zero on entry, {@link #words()} long) for every phrase that
     * occurs in {@code text} (ASCII letters compared case-insensitively). Returns the number of distinct
     * phrases found.
     */
    int scan(String text, long[] found) {
        int row = 0;
        int hits = 0;
        final int k = alphabet;
        final char[] d = delta;
        final byte[] sy = symbolOf;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            int sym = c < 256 ? sy[c] : 0;
            int next = d[row + sym];
            int state = next >>> 1;
            row = state * k;
            if ((next & 1) != 0) {
                int[] o = out[state];
                for (int id : o) {
                    long bit = 1L << id;
                    if ((found[id >>> 6] & bit) == 0) {
                        found[id >>> 6] |= bit;
                        hits++;
                    }
                }
            }
        }
        return hits;
    }

    /** Where {@code phrase} first occurs in {@code text}, case-insensitively; -1 if absent. */
    static int indexOfIgnoreCase(String text, String phrase) {
        int n = text.length(), m = phrase.length();
        outer:
        for (int i = 0; i + m <= n; i++) {
            for (int j = 0; j < m; j++) {
                char c = text.charAt(i + j);
                if (c >= 'A' && c <= 'Z') c += 32;
                if (c != phrase.charAt(j)) continue outer;
            }
            return i;
        }
        return -1;
    }
}
