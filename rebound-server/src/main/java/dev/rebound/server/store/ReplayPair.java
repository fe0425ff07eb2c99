package dev.rebound.server.store;

import java.util.Comparator;

/** An address (lower case) on a stream: the unit replay re-decides, in the order it pages through them. */
public record ReplayPair(String address, String stream) implements Comparable<ReplayPair> {
    private static final Comparator<ReplayPair> ORDER = Comparator.comparing(ReplayPair::address).thenComparing(ReplayPair::stream);

    @Override
    public int compareTo(ReplayPair o) {
        return ORDER.compare(this, o);
    }
}
