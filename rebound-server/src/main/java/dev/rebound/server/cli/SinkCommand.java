package dev.rebound.server.cli;

import dev.rebound.server.config.HostPort;
import dev.rebound.server.intake.MessageIntake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.SMTPServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rebound sink}: a local SMTP server (RFC 5321) that accepts mail and discards it, counting, so Rebound can be
 * tried on a machine with nothing else installed. With {@code --reply} every RCPT gets that reply instead (e.g. a
 * {@code 550 5.1.1} to see a hard bounce). Only loopback addresses unless {@code --allow-remote}: it accepts mail
 * for anyone and is no mail server.
 */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = {
                "Run a local SMTP sink for trying Rebound out: accepts every message and discards it, counting.",
                "Route a test domain to it, e.g.:",
                "  REBOUND_DELIVERY_ROUTES=sink.test=127.0.0.1:2526 ./rebound serve",
                "Stop it with Ctrl-C (or kill); it then prints how many messages and recipients it received."
        },
        exitCodeOnInvalidInput = 2)
final class SinkCommand implements Callable<Integer> {
    private static final Pattern REPLY = Pattern.compile("([245])([0-9])([0-9]) (.*)");

    @Spec CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:2526",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--reply", paramLabel = "REPLY",
            description = "Answer every RCPT with this reply instead of 250, e.g. \"550 5.1.1 No such user\" (hard bounce) "
                    + "or \"451 4.3.0 Try again later\" (deferral).")
    String reply;

    @Option(names = "--print", description = "Print each received message's envelope (MAIL FROM, RCPT TO), size and Message-ID.")
    boolean print;

    @Option(names = "--allow-remote", description = "Allow a non-loopback --listen address (the sink accepts mail for anyone).")
    boolean allowRemote;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Sink sink;
        try {
            sink = start(listen, reply, allowRemote, print ? out : null);
        } catch (IllegalArgumentException e) {
            err.println("rebound sink: " + e.getMessage());
            err.flush();
            return 2;
        } catch (RuntimeException e) {
            err.println("rebound sink: cannot listen on " + listen + ": " + e.getMessage() + " (is the port in use? choose another with --listen)");
            err.flush();
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sink.close();
            out.println("rebound sink: stopped; " + sink.summary());
            out.flush();
            stopped.countDown();
        }));
        out.println("rebound sink: SMTP on " + listen.replaceAll(":[0-9]+$", "") + ":" + sink.port()
                + (reply == null ? ", accepting and discarding every message" : ", answering every RCPT with \"" + reply + "\""));
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * Starts a sink. {@code printTo} (nullable) gets one line per message.
     *
     * @throws IllegalArgumentException when {@code listen} or {@code reply} is malformed, or a non-loopback address
     *                                  is given without {@code allowRemote}; the message quotes the input
     */
    static Sink start(String listen, String reply, boolean allowRemote, PrintWriter printTo) {
        HostPort hp = HostPort.parseOrNull(listen);
        if (hp == null) throw new IllegalArgumentException("--listen \"" + listen + "\" is not HOST:PORT; e.g. 127.0.0.1:2526");
        InetAddress address;
        try {
            address = InetAddress.getByName(hp.host());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--listen \"" + listen + "\": cannot resolve " + hp.host() + "; use an IP address such as 127.0.0.1");
        }
        if (!address.isLoopbackAddress() && !allowRemote) {
            throw new IllegalArgumentException("--listen \"" + listen + "\" is not a loopback address; the sink accepts mail for anyone, "
                    + "so it listens on 127.0.0.1 or ::1 only (add --allow-remote to listen there anyway)");
        }
        RejectException rcptReply = null;
        if (reply != null) {
            Matcher m = REPLY.matcher(reply.strip());
            if (!m.matches() || m.group(4).isBlank()) {
                throw new IllegalArgumentException("--reply \"" + reply + "\" is not an SMTP reply; give a code 2xx, 4xx or 5xx, a space and text, "
                        + "e.g. \"550 5.1.1 No such user\"");
            }
            int code = Integer.parseInt(m.group(1) + m.group(2) + m.group(3));
            if (code >= 400) rcptReply = new RejectException(code, m.group(4));
        }
        return new Sink(address, hp.port(), rcptReply, printTo);
    }

    /** A running sink: counts messages and recipients accepted and RCPTs refused. */
    static final class Sink implements AutoCloseable {
        final AtomicLong messages = new AtomicLong(), recipients = new AtomicLong(), refused = new AtomicLong();
        private final SMTPServer server;
        private final RejectException rcptReply;
        private final PrintWriter printTo;

        private Sink(InetAddress address, int port, RejectException rcptReply, PrintWriter printTo) {
            this.rcptReply = rcptReply;
            this.printTo = printTo;
            this.server = SMTPServer.port(port)
                    .bindAddress(address)
                    .softwareName("Rebound sink")
                    .executorService(Executors.newVirtualThreadPerTaskExecutor())
                    .insertReceivedHeaders(false)
                    .maxRecipients(-1)
                    .messageHandlerFactory(Transaction::new)
                    .build();
            server.start();
        }

        int port() {
            return server.getPortAllocated();
        }

        String summary() {
            return messages.get() + " messages, " + recipients.get() + " recipients received"
                    + (rcptReply == null ? "" : ", " + refused.get() + " recipients refused");
        }

        @Override
        public void close() {
            server.stop();
        }

        private final class Transaction implements MessageHandler {
            private String from = "";
            private final List<String> to = new ArrayList<>();

            Transaction(MessageContext context) {
            }

            @Override
            public void from(String from) {
                this.from = from == null ? "" : from;
            }

            @Override
            public void recipient(String recipient) throws RejectException {
                if (rcptReply != null) {
                    refused.incrementAndGet();
                    throw rcptReply;
                }
                to.add(recipient);
            }

            @Override
            public String data(InputStream data) throws IOException {
                // Keep the header block (for the Message-ID), count and discard the rest.
                ByteArrayOutputStream head = new ByteArrayOutputStream(4096);
                byte[] buf = new byte[8192];
                long size = 0;
                int n;
                while ((n = data.read(buf)) > 0) {
                    if (head.size() < 64 * 1024) head.write(buf, 0, Math.min(n, 64 * 1024 - head.size()));
                    size += n;
                }
                long number = messages.incrementAndGet();
                recipients.addAndGet(to.size());
                if (printTo != null) {
                    String id = MessageIntake.headerMessageId(head.toByteArray());
                    synchronized (printTo) {
                        printTo.println("#" + number + " from=<" + from + "> to=<" + String.join(">,<", to) + "> size=" + size
                                + " message-id=" + (id.isEmpty() ? "-" : id));
                        printTo.flush();
                    }
                }
                return "2.0.0 Ok: discarded (message " + number + ")";
            }

            @Override
            public void done() {
            }
        }
    }
}
