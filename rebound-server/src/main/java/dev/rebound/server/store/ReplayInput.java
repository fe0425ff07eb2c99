package dev.rebound.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything stored about a page of {@link ReplayPair}s before the replay's end, read in one statement per source:
 * their recipients, attempts (with reply lines), evidence, suppression audit, current entries, and the circuit
 * breaker's per-minute counts of their domains; and the kept bounce emails of their DSN records received from the
 * counts' start on ({@code bounceMail}: evidence id → the email, one array shared by the records of one email). Rows are
 * oldest first.
 */
public record ReplayInput(List<RecipientRow> recipients, List<AttemptRow> attempts, List<EvidenceView> evidence,
                          List<SuppressionAudit> audit, List<Suppression> current, List<DomainMinute> domainMinutes,
                          Map<String, byte[]> bounceMail) {

    /** A recipient of one of the addresses: {@code address} as submitted, its initial state (QUEUED, or SUPPRESSED at intake). */
    public record RecipientRow(String id, String messageId, String address, String stream, RecipientState initialState, Instant queuedAt) {}

    /** An attempt with its recipient's message, stream, address as submitted, domain and acceptance time. */
    public record AttemptRow(String recipientId, String messageId, String stream, String address, String domain, Instant queuedAt,
                             MessageView.AttemptView attempt) {}

    /** One {@code domain_outcomes} row: final outcomes and failures of a domain in the minute starting at {@code minute} (epoch ms). */
    public record DomainMinute(String domain, long minute, int finals, int failures) {}
}
