package dev.rebound.bench;

import dev.rebound.core.monitor.AlertState;
import dev.rebound.core.monitor.Metric;
import dev.rebound.core.monitor.MonitorConfig;
import dev.rebound.core.monitor.SpikeDetector;
import dev.rebound.core.monitor.Tally;
import dev.rebound.core.monitor.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The spike detector's false-alarm and detection-delay figures (issue 13), by simulation with the default
 * {@link MonitorConfig}: one scope's hard bounces, evaluated every minute over a 60-minute window of per-minute
 * counts, as the server does.
 *
 * <ul>
 *   <li><b>False alarms</b>: {@code days} simulated days of a steady 2 % hard-bounce rate (the baseline the detector
 *       is given is the true 2 %) at a daily volume, with a day/night swing (the per-minute volume is Poisson with a
 *       mean of {@code volume/1440 · (1 + 0.6 sin(2πt/1440))}); every alert that opens is a false one.</li>
 *   <li><b>Detection delay</b>: {@code jumps} times, a 2 % scope (a warm hour of it first) jumps to 10 % at a random
 *       minute of the day; the delay is the number of minute evaluations from the jump to the first alert.</li>
 * </ul>
 * Run: {@code java -cp rebound-bench/target/rebound-bench.jar dev.rebound.bench.AlertSimulation [days] [jumps] [seed] [glr-threshold]}.
 */
public final class AlertSimulation {
    private static final int WINDOW = 60;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private AlertSimulation() {}

    public static void main(String[] args) {
        int days = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int jumps = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 20261204L;
        MonitorConfig d0 = MonitorConfig.defaults();
        double h = args.length > 3 ? Double.parseDouble(args[3]) : d0.glrThreshold();
        SpikeDetector detector = new SpikeDetector(new MonitorConfig(d0.rules(), d0.minTrials(), d0.z(), h, d0.spikeRatio(),
                d0.criticalRatio(), d0.resolveRatio(), d0.coolDown()));
        System.out.printf("default config: minTrials %d, z %.2f, GLR threshold %.1f, spike %.0fx baseline (+%.0f points), window %d min%n",
                detector.config().minTrials(), detector.config().z(), detector.config().glrThreshold(),
                detector.config().spikeRatio(), detector.config().rules(Metric.HARD_BOUNCE).minIncrease() * 100, WINDOW);
        for (int volume : new int[] {5_000, 50_000, 500_000}) {
            int simDays = volume >= 500_000 ? Math.max(1, days / 10) : days;
            long t0 = System.nanoTime();
            FalseAlarms fa = falseAlarms(detector, volume, simDays, new SplittableRandom(seed));
            System.out.printf("false alarms   %,9d/day at 2 %%: %d alert(s) in %,d simulated days (%,d evaluations, %.1f s)%n",
                    volume, fa.opened, simDays, fa.evaluations, (System.nanoTime() - t0) / 1e9);
            Delays d = delays(detector, volume, 0.10, jumps, new SplittableRandom(seed + volume));
            System.out.printf("detection      %,9d/day, 2 %% -> 10 %%: median %d min, p90 %d min, max %d min, not within 24 h %d of %d; first rule %s%n",
                    volume, d.percentile(0.5), d.percentile(0.9), d.max(), d.missed, jumps, d.rules);
        }
    }

    record FalseAlarms(long opened, long evaluations) {}

    static FalseAlarms falseAlarms(SpikeDetector detector, int volumePerDay, int days, SplittableRandom random) {
        Ring ring = new Ring();
        AlertState state = AlertState.QUIET;
        long opened = 0;
        long evaluations = 0;
        for (long minute = 0; minute < (long) days * 1440; minute++) {
            ring.push(draw(random, volumePerDay, minute, 0.02));
            if (minute < WINDOW) continue; // a full window first, as a running server has
            Instant now = T0.plus(Duration.ofMinutes(minute));
            Verdict v = detector.evaluate(Metric.HARD_BOUNCE, ring, 0.02, state, now);
            evaluations++;
            switch (v.transition()) {
                case OPEN -> {
                    opened++;
                    if (System.getProperty("verbose") != null) System.out.println("  false alarm: " + v);
                    state = new AlertState.Open(v.level(), v.ruleId(), now);
                }
                case RESOLVE -> state = AlertState.QUIET;
                default -> {}
            }
        }
        return new FalseAlarms(opened, evaluations);
    }

    record Delays(int[] minutes, int missed, TreeMap<String, Integer> rules) {
        int percentile(double q) {
            if (minutes.length == 0) return -1;
            int[] s = minutes.clone();
            Arrays.sort(s);
            return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
        }

        int max() {
            return Arrays.stream(minutes).max().orElse(-1);
        }
    }

    static Delays delays(SpikeDetector detector, int volumePerDay, double jumpTo, int jumps, SplittableRandom random) {
        int[] found = new int[jumps];
        int n = 0;
        int missed = 0;
        TreeMap<String, Integer> rules = new TreeMap<>();
        for (int j = 0; j < jumps; j++) {
            long start = random.nextLong(1440);
            Ring ring = new Ring();
            for (long m = start - WINDOW; m < start; m++) ring.push(draw(random, volumePerDay, m, 0.02));
            boolean seen = false;
            for (int k = 1; k <= 1440 && !seen; k++) {
                ring.push(draw(random, volumePerDay, start + k - 1, jumpTo));
                Verdict v = detector.evaluate(Metric.HARD_BOUNCE, ring, 0.02, AlertState.QUIET, T0.plus(Duration.ofMinutes(start + k)));
                if (v.transition() == Verdict.Transition.OPEN) {
                    found[n++] = k;
                    rules.merge(v.ruleId(), 1, Integer::sum);
                    seen = true;
                }
            }
            if (!seen) missed++;
        }
        return new Delays(Arrays.copyOf(found, n), missed, rules);
    }

    private static Tally draw(SplittableRandom random, int volumePerDay, long minute, double p) {
        double mean = volumePerDay / 1440.0 * (1 + 0.6 * Math.sin(2 * Math.PI * (minute % 1440) / 1440.0));
        int n = poisson(random, mean);
        return new Tally(n, binomial(random, n, p));
    }

    /** Poisson by exponential inter-arrival times (O(mean)). */
    private static int poisson(SplittableRandom random, double mean) {
        int k = 0;
        double t = -Math.log(1 - random.nextDouble()) / mean;
        while (t < 1) {
            k++;
            t += -Math.log(1 - random.nextDouble()) / mean;
        }
        return k;
    }

    /** Binomial by geometric jumps between successes (O(n·p)). */
    private static int binomial(SplittableRandom random, int n, double p) {
        double logq = Math.log(1 - p);
        int successes = 0;
        long position = 0;
        while (true) {
            position += (long) Math.floor(Math.log(1 - random.nextDouble()) / logq) + 1;
            if (position > n) return successes;
            successes++;
        }
    }

    /** The last {@value #WINDOW} minutes, oldest first, as a list view (no copy per evaluation). */
    private static final class Ring extends AbstractList<Tally> {
        private final Tally[] slots = new Tally[WINDOW];
        private int size;
        private int next;

        void push(Tally t) {
            slots[next] = t;
            next = (next + 1) % WINDOW;
            if (size < WINDOW) size++;
        }

        @Override
        public Tally get(int index) {
            return slots[(next - size + index + WINDOW) % WINDOW];
        }

        @Override
        public int size() {
            return size;
        }
    }
}
