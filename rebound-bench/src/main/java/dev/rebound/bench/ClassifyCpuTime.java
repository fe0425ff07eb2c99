package dev.rebound.bench;

import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Companion to {@link ClassifyBenchmark} for a shared, overloaded machine: the same loop, but divided by the
 * thread's CPU time instead of wall time, so that time spent waiting for a core does not count. Cache and
 * memory-bandwidth interference from other processes still does. Run:
 * {@code java -cp rebound-bench/target/rebound-bench.jar dev.rebound.bench.ClassifyCpuTime [seconds]}.
 */
public final class ClassifyCpuTime {
    private ClassifyCpuTime() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ReplyClassifier classifier = ReplyClassifier.standard();
        String[] wire = ClassifyBenchmark.REPLIES.toArray(String[]::new);
        SmtpReply[] parsed = ClassifyBenchmark.REPLIES.stream().map(SmtpReplyParser::parse).toArray(SmtpReply[]::new);
        long sink = 0;
        for (int round = 0; round < 4; round++) {
            boolean withParse = round % 2 == 1;
            boolean warmup = round < 2;
            long ops = 0;
            long cpu0 = mx.getCurrentThreadCpuTime();
            long budget = (long) (seconds * 1e9 / (warmup ? 2 : 1));
            while (mx.getCurrentThreadCpuTime() - cpu0 < budget) {
                for (int rep = 0; rep < 200; rep++) {
                    for (int k = 0; k < wire.length; k++) {
                        SmtpReply r = withParse ? SmtpReplyParser.parse(wire[k]) : parsed[k];
                        sink += classifier.classify(r, SmtpPhase.RCPT, "example.com").ruleId().length();
                        ops++;
                    }
                }
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            if (!warmup) {
                System.out.printf("%-18s %,12.0f ops per CPU-second (%,d ops in %.2f s CPU)%n",
                        withParse ? "parseAndClassify" : "classifyOnly", ops / (cpu / 1e9), ops, cpu / 1e9);
            }
        }
        if (sink == 42) System.out.println();
    }
}
