package dev.rebound.server.notices;

import dev.rebound.core.dsn.DeliveryStatusNotice;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.store.AcceptResult;
import dev.rebound.server.store.MessageContent;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.WebhookStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounce notices to SMTP senders (off by default; {@code bounces.notices} per stream: {@code failures}, or
 * {@code delays} for failures and a notice at a recipient's first deferral). A consumer of the events outbox with
 * its own cursor: each final failure (bounced, blocked) or first deferral of a recipient of a message submitted over
 * SMTP becomes an RFC 3464 notice ({@link DeliveryStatusNotice}, core) to the envelope sender, submitted to
 * Rebound's own queue with the null reverse-path and the idempotency key {@code notice:<event id>}: a crash between
 * the submission and the cursor's move submits nothing twice. Never for the null reverse-path, a notice or other
 * automatic mail ({@link DeliveryStatusNotice#shouldNotify}).
 */
public final class BounceNotices implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BounceNotices.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String CURSOR = "notices";

    private final Store store;
    private final Map<String, ReboundConfig.Notices> streams;
    private final String reportingMta;
    private final Clock clock;
    private final Duration pollInterval;
    private final Runnable wakeQueue;
    private volatile boolean running;
    private Thread loop;

    public BounceNotices(Store store, Map<String, ReboundConfig.Notices> streams, String reportingMta, Clock clock, Duration pollInterval, Runnable wakeQueue) {
        this.store = store;
        this.streams = Map.copyOf(streams);
        this.reportingMta = reportingMta;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.wakeQueue = wakeQueue;
    }

    public void start() {
        if (streams.isEmpty()) return;
        running = true;
        loop = Thread.ofPlatform().daemon(true).name("rebound-notices").start(() -> {
            while (running) {
                try {
                    if (runOnce() > 0) continue;
                } catch (RuntimeException e) {
                    log.warn("bounce notice round failed (retrying after {}): {}", pollInterval, e.toString());
                }
                try {
                    Thread.sleep(pollInterval);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** One round over the outbox after the cursor; returns the number of notices submitted. */
    public int runOnce() {
        if (streams.isEmpty()) return 0;
        WebhookStore w = store.webhooks();
        List<WebhookStore.OutboxEvent> events = w.outboxAfter(CURSOR, 200);
        int sent = 0;
        for (WebhookStore.OutboxEvent e : events) {
            if (notice(e)) sent++;
        }
        if (!events.isEmpty()) w.moveCursor(CURSOR, events.getLast().seq());
        if (sent > 0) wakeQueue.run();
        return sent;
    }

    private boolean notice(WebhookStore.OutboxEvent e) {
        ReboundConfig.Notices mode = streams.get(e.stream());
        if (mode == null || e.messageId().isEmpty()) return false;
        JsonNode p = JSON.readTree(e.payload());
        DeliveryStatusNotice.Action action;
        switch (e.type()) {
            case "recipient.bounced_hard", "recipient.bounced_soft", "recipient.blocked_policy" -> action = DeliveryStatusNotice.Action.FAILED;
            case "recipient.deferred" -> {
                if (mode != ReboundConfig.Notices.DELAYS || p.path("attempt").asInt(0) != 1) return false;
                action = DeliveryStatusNotice.Action.DELAYED;
            }
            default -> {
                return false;
            }
        }
        Optional<MessageView> view = store.message(e.messageId());
        Optional<MessageContent> content = store.content(e.messageId());
        if (view.isEmpty() || content.isEmpty() || !view.get().source().equals("smtp")) return false;
        String sender = content.get().mailFrom();
        Optional<String> why = DeliveryStatusNotice.shouldNotify(sender, content.get().raw());
        if (why.isPresent()) return false;
        int code = p.path("smtp_code").asInt(0);
        String enhanced = p.path("enhanced_code").asString("");
        String status = !enhanced.isEmpty() ? enhanced : (code >= 500 ? "5.0.0" : "4.0.0");
        Instant last = p.hasNonNull("occurred_at") ? Instant.parse(p.get("occurred_at").asString()) : e.createdAt();
        String mx = p.path("mx_host").asString("");
        DeliveryStatusNotice.Recipient r = new DeliveryStatusNotice.Recipient(e.address(), action, status, mx,
                p.path("raw_reason").asString(""), last, Optional.empty());
        String messageId = e.id() + ".notice@" + reportingMta;
        byte[] raw = DeliveryStatusNotice.write(new DeliveryStatusNotice.Notice(reportingMta, sender, messageId, clock.instant(),
                content.get().createdAt(), List.of(r), content.get().raw()));
        AcceptResult result = store.accept(new NewMessage(e.stream(), "", List.of(sender), raw, "<" + messageId + ">", "notice",
                Optional.of("notice:" + e.id()), e.id()));
        return result instanceof AcceptResult.Created;
    }

    @Override
    public void close() {
        running = false;
        if (loop != null) loop.interrupt();
    }
}
