package dev.rebound.server.webhooks;

import dev.rebound.core.events.StandardWebhookSignature;
import dev.rebound.server.store.WebhookStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * Companion to {@link WebhookBodyBenchmark} for a shared, overloaded machine: body and signature per event divided
 * by the thread's CPU time instead of wall time (waiting for a core does not count; the garbage collector's threads
 * and cache interference from other processes still do not or do, as they fall).
 * <ul>
 *   <li>{@code WebhookBodyCpuTime [seconds]}: steady state in one JVM, in alternating rounds: the body by the tree
 *       (before) and today, body and signature before and today, and the signature alone (of a 1 KB body) before
 *       and today; prints ns of thread CPU per event for each.</li>
 *   <li>{@code WebhookBodyCpuTime --cold tree|body EVENTS}: a fresh JVM doing only that many events of one kind,
 *       as a short service run does; prints the thread's and the whole process's CPU time (the latter includes the
 *       JIT compiler threads; run with {@code -XX:+CITime} for the compilers' own figures).</li>
 * </ul>
 * <pre>
 * java -cp rebound-bench/target/rebound-bench.jar dev.rebound.server.webhooks.WebhookBodyCpuTime 4
 * java -XX:+CITime -cp rebound-bench/target/rebound-bench.jar dev.rebound.server.webhooks.WebhookBodyCpuTime --cold body 40000
 * </pre>
 */
public final class WebhookBodyCpuTime {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private WebhookBodyCpuTime() {}

    public static void main(String[] args) {
        List<WebhookStore.OutboxEvent> events = WebhookBodyBenchmark.events();
        StandardWebhookSignature signer = new StandardWebhookSignature(SECRET);
        WebhookBodyTree.Signer treeSigner = new WebhookBodyTree.Signer(SECRET);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        if (args.length == 3 && args[0].equals("--cold")) {
            boolean tree = args[1].equals("tree");
            int n = Integer.parseInt(args[2]);
            long sink = 0;
            long cpu0 = mx.getCurrentThreadCpuTime();
            long process0 = process();
            for (int i = 0; i < n; i++) sink += event(tree, events.get(i & 3), signer, treeSigner).length();
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            long process = process() - process0;
            System.out.printf("%s: %,d events, thread CPU %.0f ms (%.0f ns/event), process CPU %.0f ms%s%n", tree ? "tree" : "body", n,
                    cpu / 1e6, (double) cpu / n, process / 1e6, sink == 42 ? " " : "");
            return;
        }
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
        byte[] body = WebhookBody.bytes(events.get(1), "bounced");
        List<String> names = List.of("tree body", "body", "tree body+signature", "body+signature", "tree signature", "signature");
        long sink = 0;
        for (int round = 0; round < 2 * names.size() * 2; round++) {
            int variant = round % names.size();
            boolean warmup = round < names.size() * 2;
            long ops = 0;
            long cpu0 = mx.getCurrentThreadCpuTime();
            long budget = (long) (seconds * 1e9 / (warmup ? 4 : 1));
            while (mx.getCurrentThreadCpuTime() - cpu0 < budget) {
                for (int rep = 0; rep < 1000; rep++) {
                    WebhookStore.OutboxEvent e = events.get(rep & 3);
                    sink += switch (variant) {
                        case 0 -> WebhookBodyTree.bytes(e, "bounced").length;
                        case 1 -> WebhookBody.bytes(e, "bounced").length;
                        case 2, 3 -> event(variant == 2, e, signer, treeSigner).length();
                        case 4 -> treeSigner.sign("evt_01JTEVENT0000000000000016", 1_777_777_777L, body).length();
                        default -> signer.sign("evt_01JTEVENT0000000000000016", 1_777_777_777L, body).length();
                    };
                    ops++;
                }
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            if (!warmup) {
                System.out.printf("%-20s %,8.0f ns of thread CPU per event (%,d events in %.2f s CPU)%n", names.get(variant),
                        cpu / (double) ops, ops, cpu / 1e9);
            }
        }
        if (sink == 42) System.out.println();
    }

    private static String event(boolean tree, WebhookStore.OutboxEvent e, StandardWebhookSignature signer, WebhookBodyTree.Signer treeSigner) {
        String id = WebhookBody.webhookId(e);
        return tree ? treeSigner.sign(id, 1_777_777_777L, WebhookBodyTree.bytes(e, "bounced"))
                : signer.sign(id, 1_777_777_777L, WebhookBody.bytes(e, "bounced"));
    }

    private static long process() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
