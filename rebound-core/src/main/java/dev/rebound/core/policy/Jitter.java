package dev.rebound.core.policy;

/**
 * Deterministic jitter: a fraction in [0, 1) derived from the message id, the recipient and the attempt number,
 * so retries of many messages queued at the same moment spread out, and the same inputs always give the same
 * instant (replayable decisions). FNV-1a 64 over the UTF-16 code units (two bytes each), then the SplitMix64 finaliser; no
 * java.util.Random, no clock.
 */
public final class Jitter {
    private Jitter() {}

    /** A fraction in [0, 1), a pure function of its arguments. */
    public static double fraction(String messageId, String recipient, int attemptNumber) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, messageId);
        h *= 0x100000001b3L; // a 0 byte between fields
        h = fnv(h, recipient);
        h *= 0x100000001b3L; // a 0 byte between fields
        h = fnv(h, Integer.toString(attemptNumber));
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h = h ^ (h >>> 31);
        return (h >>> 11) * 0x1.0p-53;
    }

    private static long fnv(long h, String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            h ^= (ch >>> 8);
            h *= 0x100000001b3L;
            h ^= (ch & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
