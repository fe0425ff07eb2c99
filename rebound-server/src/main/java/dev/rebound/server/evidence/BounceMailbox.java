package dev.rebound.server.evidence;

import dev.rebound.core.dsn.BounceParser;
import dev.rebound.core.dsn.BounceRecord;
import dev.rebound.core.dsn.BounceResult;
import dev.rebound.server.decide.DsnRecords;
import dev.rebound.server.decide.Verp;
import dev.rebound.server.intake.BounceSink;
import dev.rebound.server.intake.Sha256;
import dev.rebound.server.store.BounceMail;
import dev.rebound.server.store.NewEvidence;
import dev.rebound.server.store.StoredEvidence;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rebound's bounce mailbox: mail to {@code bounces+<recipient-id>@<bounces.domain>} (VERP, the envelope sender of
 * every attempt when {@code bounces.domain} is set) or plain {@code bounces@<bounces.domain>} (feedback loops).
 * Each email is parsed by the core {@link BounceParser} (RFC 3464 DSNs, non-standard MTA bounces, RFC 5965 ARF
 * complaints, RFC 3834 auto-replies) and every per-recipient record goes through the evidence path: matched by the
 * VERP recipient id, else by the original Message-ID + recipient, deduplicated by the SHA-256 of the email and the
 * recipient (the same DSN received twice counts once). Auto-replies, mail that is not a bounce and unreadable mail
 * are stored as evidence without an outcome, so nothing sent to the address is silently lost. The email itself is kept
 * once (up to {@link BounceMail#MAX_KEPT}) in the same transaction, for replay to parse again.
 */
public final class BounceMailbox implements BounceSink {
    private static final Logger log = LoggerFactory.getLogger(BounceMailbox.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String domain;
    private final EvidenceRecorder recorder;
    private final MeterRegistry metrics;

    public BounceMailbox(String domain, EvidenceRecorder recorder, MeterRegistry metrics) {
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.recorder = recorder;
        this.metrics = metrics;
    }

    @Override
    public boolean isBounceAddress(String address) {
        return Verp.parse(address).filter(v -> v.domain().equals(domain)).isPresent();
    }

    /** The recipient id in a VERP address, if it has one. */
    static Optional<String> recipientId(String address) {
        return Verp.parse(address).map(Verp::recipientId).filter(id -> !id.isEmpty());
    }

    @Override
    public String receive(String mailFrom, List<String> bounceAddresses, byte[] raw) {
        Optional<String> verp = bounceAddresses.stream().map(BounceMailbox::recipientId).flatMap(Optional::stream).findFirst();
        String sha = Sha256.hex(raw);
        BounceResult result = BounceParser.parse(raw);
        List<NewEvidence> evidence = evidence(result, verp, sha, raw.length);
        List<StoredEvidence> stored = recorder.record(evidence, new BounceMail(sha, raw));
        long fresh = stored.stream().filter(s -> !s.duplicate()).count();
        String kind = result.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        metrics.counter("rebound_bounce_mail", "result", kind).increment();
        log.info("bounce mail from <{}> to {}: {} with {} record(s), {} new, matched by {}", mailFrom, bounceAddresses, kind,
                evidence.size(), fresh, stored.stream().map(s -> s.match().matchedBy()).distinct().toList());
        return kind + ", " + evidence.size() + " record(s), " + (evidence.size() - fresh) + " duplicate(s)";
    }

    static List<NewEvidence> evidence(BounceResult result, Optional<String> verp, String sha, int size) {
        List<NewEvidence> out = new ArrayList<>();
        switch (result) {
            case BounceResult.Bounces b -> b.records().forEach(r -> out.add(record(r, verp, sha, size, false)));
            case BounceResult.Complaint c -> c.records().forEach(r -> out.add(record(r, verp, sha, size, true)));
            case BounceResult.AutoReply a -> out.add(none("autoreply", "vacation", a.ruleId(), verp, sha, size,
                    JSON.createObjectNode().put("responder", a.responder()).put("subject", a.subject()).put("marker", a.marker())));
            case BounceResult.NotABounce n -> out.add(none("not-a-bounce", "", "dsn.not-a-bounce", verp, sha, size,
                    JSON.createObjectNode().put("why", n.why())));
            case BounceResult.Unparseable u -> out.add(none("unparseable", "", "dsn.unparseable", verp, sha, size,
                    JSON.createObjectNode().put("error", u.error())));
        }
        // A bounce whose records name no recipient still reached a VERP address: keep it on that recipient.
        if (out.isEmpty()) out.add(none("no-records", "", "dsn.no-records", verp, sha, size, JSON.createObjectNode()));
        return out;
    }

    private static NewEvidence record(BounceRecord r, Optional<String> verp, String sha, int size, boolean complaint) {
        ObjectNode p = JSON.createObjectNode().put("raw_sha256", sha).put("raw_bytes", size).put("recipient", r.recipient())
                .put("action", r.action()).put("status", r.status()).put("remote_mta", r.remoteMta())
                .put("diagnostic_type", r.diagnosticType()).put("diagnostic_text", r.diagnosticText()).put("reply_code", r.replyCode())
                .put("reporting_mta", r.reportingMta()).put("arrival_date", r.arrivalDate()).put("last_attempt_date", r.lastAttemptDate())
                .put("message_id", r.messageId()).put("envelope_id", r.envelopeId()).put("subject", r.subject()).put("from", r.from())
                .put("feedback_type", r.feedbackType()).put("decoded_by", r.decodedBy()).put("phase", r.phase().name())
                .put("hardbounce", r.hardBounce());
        String event = complaint ? "feedback/" + r.feedbackType() : (r.action().isEmpty() ? "bounce" : r.action()) + (r.status().isEmpty() ? "" : "/" + r.status());
        DsnRecords.Fields f = DsnRecords.of(r);
        return new NewEvidence("dsn:" + sha + ":" + r.recipient().toLowerCase(Locale.ROOT), "dsn", r.decodedBy(), event,
                r.envelopeId(), r.messageId(), verp, Optional.empty(), r.recipient(), Optional.empty(), f.smtpCode(), f.enhancedCode(),
                f.diagnostic(), Optional.of(f.outcome()), f.reason(), f.ruleId(), Optional.empty(), p.toString());
    }

    private static NewEvidence none(String kind, String reason, String rule, Optional<String> verp, String sha, int size, ObjectNode p) {
        p.put("raw_sha256", sha).put("raw_bytes", size);
        return new NewEvidence("dsn:" + sha + ":" + kind, "dsn", "", kind, "", "", verp, Optional.empty(), "", Optional.empty(),
                0, "", "", Optional.empty(), reason, rule, Optional.empty(), p.toString());
    }
}
