package dev.rebound.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.Evidence;
import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.GiveUp;
import dev.rebound.core.policy.RetryAt;
import dev.rebound.core.policy.RetryDecision;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Store} implementation must do, through the interface only: the SQLite store runs it now
 * ({@link SqliteStoreContractTest}); a PostgreSQL store is a second subclass. Each test states one promise of the
 * interface's documentation: committed before return, idempotent acceptance, single leases, one transaction per
 * attempt group with the suppression decided on the history read inside it, evidence dedup, audited suppressions,
 * single-use tokens.
 */
abstract class StoreContract {
    @TempDir Path dir;
    final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));

    /** Opens the store kept under {@code dir} (a second call with the same arguments reopens the same data). */
    protected abstract Store open(Path dir, Clock clock);

    static NewMessage message(String stream, Optional<String> key, String hash, String... to) {
        return new NewMessage(stream, "app@sender.test", List.of(to), "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                "<m@sender.test>", "http", key, hash);
    }

    private AttemptRecord attempt(Claim c, String stream, SmtpReply reply, Outcome outcome, Reason reason, RetryDecision decision) {
        Classification cl = new Classification(outcome, reason, "test.rule", new Evidence(reply.code(),
                reply.enhanced().map(Object::toString).orElse(""), reply.text(), SmtpPhase.RCPT, c.domain(), ""));
        return new AttemptRecord(c.recipientId(), c.messageId(), stream, c.address(), c.attemptCount() + 1, clock.instant(),
                Duration.ofMillis(40), c.domain(), "mx." + c.domain(), "192.0.2.1", SmtpPhase.RCPT, reply, false, cl, decision,
                clock.instant(), Optional.empty(), c.lease());
    }

    /** A decider that records what it was given and suppresses every final failure. */
    static final class RecordingDecider implements SuppressionDecider {
        final List<List<FinalOutcome>> finals = new ArrayList<>();
        final List<DomainOutcomes> domains = new ArrayList<>();

        @Override
        public Duration breakerWindow() {
            return Duration.ofHours(1);
        }

        @Override
        public Optional<Suppression> decide(String address, String stream, List<FinalOutcome> f, DomainOutcomes d, Instant now) {
            finals.add(List.copyOf(f));
            domains.add(d);
            return Optional.of(new Suppression(address, stream, "userunknown", "suppress.hard.userunknown", now,
                    Optional.of(now.plus(Duration.ofDays(365))), ""));
        }
    }

    @Test
    void accept_isDurable_andReadBackAfterReopen() {
        String id;
        try (Store store = open(dir, clock)) {
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "a@one.test", "b@two.test"));
            id = r.receipt().messageId();
            assertThat(r.receipt().recipients()).extracting(AcceptResult.RecipientReceipt::state).containsOnly(RecipientState.QUEUED);
        }
        try (Store store = open(dir, clock)) {
            MessageView v = store.message(id).orElseThrow();
            assertThat(v.recipients()).extracting(MessageView.RecipientView::address).containsExactly("a@one.test", "b@two.test");
            assertThat(v.recipients()).extracting(MessageView.RecipientView::domain).containsExactly("one.test", "two.test");
            assertThat(store.content(id).orElseThrow().raw()).isEqualTo("Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(store.queueStats().depth()).isEqualTo(2);
        }
    }

    @Test
    void accept_idempotencyKey_replaysTheSameRequest_conflictsOnAnother() {
        try (Store store = open(dir, clock)) {
            var first = (AcceptResult.Created) store.accept(message("transactional", Optional.of("k1"), "h1", "a@one.test"));
            assertThat(store.accept(message("transactional", Optional.of("k1"), "h1", "a@one.test")))
                    .isEqualTo(new AcceptResult.Replayed(first.receipt()));
            assertThat(store.accept(message("transactional", Optional.of("k1"), "h2", "b@one.test")))
                    .isEqualTo(new AcceptResult.Conflict(first.receipt().messageId()));
        }
    }

    @Test
    void claimDue_leasesOnce_postponeAndReleaseFreeTheLease() {
        try (Store store = open(dir, clock)) {
            store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            List<Claim> claims = store.claimDue("n1", 10, Duration.ofMinutes(5));
            assertThat(claims).singleElement().satisfies(c -> {
                assertThat(c.address()).isEqualTo("a@one.test");
                assertThat(c.attemptCount()).isZero();
            });
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(5))).isEmpty();
            store.postpone(List.of(claims.getFirst()), clock.instant().plusSeconds(60));
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(5))).as("due later").isEmpty();
            assertThat(store.nextDueAt()).contains(clock.instant().plusSeconds(60));
            clock.advance(Duration.ofSeconds(60));
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(5))).hasSize(1);
            assertThat(store.releaseLeases("n2")).isEqualTo(1);
            assertThat(store.claimDue("n3", 10, Duration.ofMinutes(5))).hasSize(1);
        }
    }

    @Test
    void messages_search_byMessageIdAddressStateAndTime_newestFirst() {
        try (Store store = open(dir, clock)) {
            Instant t0 = clock.instant();
            byte[] raw = "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            String first = ((AcceptResult.Created) store.accept(new NewMessage("transactional", "app@sender.test",
                    List.of("Ann@One.test", "b@two.test"), raw, "<one@sender.test>", "http", Optional.empty(), ""))).receipt().messageId();
            clock.advance(Duration.ofMinutes(1));
            String second = ((AcceptResult.Created) store.accept(new NewMessage("transactional", "app@sender.test",
                    List.of("c@two.test"), raw, "<two@sender.test>", "smtp", Optional.empty(), ""))).receipt().messageId();
            Claim c = store.claimDue("n1", 10, Duration.ofMinutes(5)).stream().filter(x -> x.address().equals("c@two.test")).findFirst().orElseThrow();
            store.recordAttempts(List.of(attempt(c, "transactional", SmtpReply.of(250, "2.0.0 ok"), Outcome.DELIVERED, Reason.DELIVERED,
                    new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, "retry.done"))), new RecordingDecider());

            java.util.function.Function<MessageQuery, List<String>> ids = q -> store.messages(q).stream().map(MessageHit::id).toList();
            Optional<String> none = Optional.empty();
            assertThat(ids.apply(new MessageQuery(none, none, Optional.empty(), Optional.empty(), Optional.empty(), 10)))
                    .containsExactly(second, first);
            assertThat(ids.apply(new MessageQuery(Optional.of("<one@sender.test>"), none, Optional.empty(), Optional.empty(), Optional.empty(), 10)))
                    .containsExactly(first);
            assertThat(ids.apply(new MessageQuery(none, Optional.of("ann@one.TEST"), Optional.empty(), Optional.empty(), Optional.empty(), 10)))
                    .as("the address whatever its case").containsExactly(first);
            assertThat(ids.apply(new MessageQuery(none, none, Optional.of(RecipientState.DELIVERED), Optional.empty(), Optional.empty(), 10)))
                    .containsExactly(second);
            assertThat(ids.apply(new MessageQuery(none, Optional.of("c@two.test"), Optional.of(RecipientState.QUEUED), Optional.empty(),
                    Optional.empty(), 10))).as("address and state hold for the same recipient").isEmpty();
            assertThat(ids.apply(new MessageQuery(none, none, Optional.empty(), Optional.of(t0.plusSeconds(30)), Optional.empty(), 10)))
                    .containsExactly(second);
            assertThat(ids.apply(new MessageQuery(none, none, Optional.empty(), Optional.empty(), Optional.of(t0.plusSeconds(30)), 10)))
                    .containsExactly(first);
            assertThat(ids.apply(new MessageQuery(none, none, Optional.empty(), Optional.empty(), Optional.empty(), 1))).containsExactly(second);

            MessageHit hit = store.messages(new MessageQuery(none, Optional.of("b@two.test"), Optional.empty(), Optional.empty(),
                    Optional.empty(), 10)).getFirst();
            assertThat(hit).extracting(MessageHit::headerMessageId, MessageHit::source, MessageHit::createdAt)
                    .containsExactly("<one@sender.test>", "http", t0);
            assertThat(hit.recipients()).containsExactly(new MessageHit.Recipient("Ann@One.test", RecipientState.QUEUED, 0),
                    new MessageHit.Recipient("b@two.test", RecipientState.QUEUED, 0));
        }
    }

    @Test
    void recordAttempts_deferredThenDelivered_keepsTheHistoryAndFreesTheLease() {
        try (Store store = open(dir, clock)) {
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            Claim c = store.claimDue("n1", 10, Duration.ofMinutes(5)).getFirst();
            RecordingDecider decider = new RecordingDecider();
            store.recordAttempts(List.of(attempt(c, "transactional", SmtpReply.of(451, "4.7.1 later"), Outcome.DEFERRED,
                    Reason.UNDEFINED, new RetryAt(clock.instant().plusSeconds(300), "retry.transient"))), decider);
            assertThat(store.message(r.receipt().messageId()).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.DEFERRED);
            assertThat(store.claimDue("n1", 10, Duration.ofMinutes(5))).as("not due yet, lease freed").isEmpty();
            clock.advance(Duration.ofSeconds(300));
            Claim again = store.claimDue("n1", 10, Duration.ofMinutes(5)).getFirst();
            assertThat(again.attemptCount()).isEqualTo(1);
            store.recordAttempts(List.of(attempt(again, "transactional", SmtpReply.of(250, "2.0.0 ok"), Outcome.DELIVERED,
                    Reason.DELIVERED, new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, "retry.done"))), decider);
            var view = store.message(r.receipt().messageId()).orElseThrow().recipients().getFirst();
            assertThat(view.state()).isEqualTo(RecipientState.DELIVERED);
            assertThat(view.attempts()).extracting(MessageView.AttemptView::decision).containsExactly("DEFERRED", "DELIVERED");
            assertThat(store.attempts(c.recipientId())).hasSize(2);
            assertThat(decider.finals).as("no suppression decision for a delivery").isEmpty();
            assertThat(store.queueStats().depth()).isZero();
            assertThat(store.domainOutcomes("one.test", clock.instant().minusSeconds(3600)).finals()).isEqualTo(1);
        }
    }

    @Test
    void recordAttempts_finalFailure_decidesSuppressionOnTheHistoryReadInItsTransaction() {
        try (Store store = open(dir, clock)) {
            // an earlier final failure of the same address, and one at the same domain
            store.accept(message("transactional", Optional.empty(), "", "gone@one.test", "other@one.test"));
            List<Claim> first = store.claimDue("n1", 10, Duration.ofMinutes(5));
            RecordingDecider decider = new RecordingDecider();
            List<AttemptRecord> firstRound = new ArrayList<>();
            for (Claim c : first) firstRound.add(attempt(c, "transactional", SmtpReply.of(550, "5.1.1 no such user"), Outcome.BOUNCED_HARD,
                    Reason.USERUNKNOWN, new GiveUp(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, "retry.no-repeat-5xx")));
            store.recordAttempts(firstRound, decider);
            assertThat(decider.finals).hasSize(2);
            store.removeSuppression("gone@one.test", "transactional", "test", "lifted for the test");

            clock.advance(Duration.ofMinutes(2));
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "gone@one.test"));
            Claim c = store.claimDue("n1", 10, Duration.ofMinutes(5)).getFirst();
            store.recordAttempts(List.of(attempt(c, "transactional", SmtpReply.of(550, "5.1.1 no such user"), Outcome.BOUNCED_HARD,
                    Reason.USERUNKNOWN, new GiveUp(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, "retry.no-repeat-5xx"))), decider);
            // the decider saw the committed history of the address (the earlier failure) plus this attempt, last
            assertThat(decider.finals.getLast()).hasSize(2);
            assertThat(decider.finals.getLast().getLast().messageId()).isEqualTo(r.receipt().messageId());
            // and the domain's counts committed before this transaction
            assertThat(decider.domains.getLast().finals()).isEqualTo(2);
            assertThat(decider.domains.getLast().failures()).isEqualTo(2);
            String attemptId = store.attempts(c.recipientId()).getFirst().id();
            assertThat(store.suppression("Gone@One.test", "transactional")).hasValueSatisfying(s -> {
                assertThat(s.evidenceRef()).isEqualTo(attemptId);
                assertThat(s.ruleId()).isEqualTo("suppress.hard.userunknown");
            });
            assertThat(store.suppressionsOfMessage(r.receipt().messageId())).extracting(Suppression::evidenceRef).containsExactly(attemptId);
            assertThat(store.suppressionAudit("gone@one.test", "transactional")).extracting(SuppressionAudit::action)
                    .containsExactly("created", "removed", "created");
            assertThat(store.finalOutcomes("gone@one.test", "transactional")).hasSize(2);
        }
    }

    @Test
    void suppressions_reviewNeverReplacesAnActiveSuppression_removalIsAudited_intakeSkipsSuppressed() {
        try (Store store = open(dir, clock)) {
            store.suppress(new Suppression("Gone@Example.com", "transactional", "userunknown", "suppress.hard.userunknown",
                    clock.instant(), Optional.empty(), ""));
            store.suppress(new Suppression("gone@example.com", "transactional", "blocked", "suppress.breaker.hard", clock.instant(),
                    Optional.empty(), "", SuppressionState.REVIEW));
            assertThat(store.suppression("gone@example.com", "transactional")).hasValueSatisfying(s ->
                    assertThat(s.state()).isEqualTo(SuppressionState.SUPPRESSED));
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "gone@example.com"));
            assertThat(r.receipt().recipients().getFirst().state()).isEqualTo(RecipientState.SUPPRESSED);
            assertThat(store.accept(message("marketing", Optional.empty(), "", "gone@example.com")))
                    .isInstanceOfSatisfying(AcceptResult.Created.class, c ->
                            assertThat(c.receipt().recipients().getFirst().state()).as("another stream").isEqualTo(RecipientState.QUEUED));
            assertThat(store.suppressions(Optional.of("transactional"), Optional.empty(), Optional.of(SuppressionState.SUPPRESSED), 10)).hasSize(1);
            assertThat(store.removeSuppression("gone@example.com", "transactional", "ops", "confirmed alive")).isPresent();
            assertThat(store.removeSuppression("gone@example.com", "transactional", "ops", "again")).isEmpty();
            assertThat(store.suppressionAudit("gone@example.com", "transactional")).last().satisfies(a -> {
                assertThat(a.action()).isEqualTo("removed");
                assertThat(a.actor()).isEqualTo("ops");
                assertThat(a.note()).isEqualTo("confirmed alive");
            });
        }
    }

    @Test
    void recordEvidence_dedupByKey_decidesInsideItsTransaction_matchesByRecipientId() {
        try (Store store = open(dir, clock)) {
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "jane@late.test"));
            String recipientId = r.receipt().recipients().getFirst().id();
            NewEvidence bounce = new NewEvidence("dsn:abc:jane@late.test", "dsn", "postfix", "failed/5.1.1", "", "",
                    Optional.of(recipientId), Optional.empty(), "jane@late.test", Optional.empty(), 550, "5.1.1", "user unknown",
                    Optional.of(Outcome.BOUNCED_HARD), "userunknown", "dsn.status", Optional.empty(), "{}");
            List<EvidenceMatch> seen = new ArrayList<>();
            EvidenceDecision.Decider decider = new EvidenceDecision.Decider() {
                @Override
                public Duration breakerWindow() {
                    return Duration.ofHours(1);
                }

                @Override
                public EvidenceDecision decide(NewEvidence e, EvidenceMatch m, List<FinalOutcome> finals, DomainOutcomes d, Instant now) {
                    seen.add(m);
                    return new EvidenceDecision(Optional.of(RecipientState.BOUNCED_HARD), "userunknown", "evidence.final", Optional.empty(), "");
                }
            };
            StoredEvidence first = store.recordEvidence(List.of(bounce), "transactional", decider).getFirst();
            assertThat(first.duplicate()).isFalse();
            assertThat(first.match().matchedBy()).isEqualTo("rebound-recipient-id");
            assertThat(seen).singleElement().satisfies(m -> assertThat(m.currentState()).contains(RecipientState.QUEUED));
            StoredEvidence again = store.recordEvidence(List.of(bounce), "transactional", decider).getFirst();
            assertThat(again.duplicate()).isTrue();
            assertThat(again.evidenceId()).isEqualTo(first.evidenceId());
            assertThat(seen).as("a duplicate is not decided again").hasSize(1);
            assertThat(store.message(r.receipt().messageId()).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.BOUNCED_HARD);
            assertThat(store.evidenceOfMessage(r.receipt().messageId())).hasSize(1);
            assertThat(store.evidenceOfAddress("Jane@late.test", 10)).hasSize(1);
        }
    }

    @Test
    void firstTokenUse_onceAcrossReopen_perProvider() {
        Instant keep = clock.instant().plusSeconds(600);
        try (Store store = open(dir, clock)) {
            assertThat(store.firstTokenUse("mailgun", "tok-1", keep)).isTrue();
            assertThat(store.firstTokenUse("mailgun", "tok-1", keep)).isFalse();
            assertThat(store.firstTokenUse("sendgrid", "tok-1", keep)).isTrue();
        }
        try (Store store = open(dir, clock)) {
            assertThat(store.firstTokenUse("mailgun", "tok-1", keep)).isFalse();
        }
    }

    // ---- fenced leases (issue 15): a result is written only under the lease it was made with ----------------

    private AttemptRecord delivered(Claim c) {
        return attempt(c, "transactional", SmtpReply.of(250, "2.0.0 ok"), Outcome.DELIVERED, Reason.DELIVERED,
                new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, "retry.done"));
    }

    private AttemptRecord hardBounce(Claim c) {
        return attempt(c, "transactional", SmtpReply.of(550, "5.1.1 no such user"), Outcome.BOUNCED_HARD, Reason.USERUNKNOWN,
                new GiveUp(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, "retry.no-repeat-5xx"));
    }

    @Test
    void fenced_expiredLeaseIsTakenOver_withAHigherVersion_andTheStaleResultIsRefused() {
        try (Store store = open(dir, clock)) {
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            Claim first = store.claimDue("n1", 10, Duration.ofMinutes(1)).getFirst();
            assertThat(first.lease().owner()).isEqualTo("n1");
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(1))).as("leased to n1").isEmpty();
            clock.advance(Duration.ofSeconds(61));
            Claim second = store.claimDue("n2", 10, Duration.ofMinutes(1)).getFirst();
            assertThat(second.recipientId()).isEqualTo(first.recipientId());
            assertThat(second.lease()).isEqualTo(new Claim.Lease("n2", first.lease().version() + 1));

            // the new owner delivers; then the paused first owner comes back with a hard bounce: refused, nothing written
            assertThat(store.recordAttempts(List.of(delivered(second)), new RecordingDecider()).refused()).isEmpty();
            RecordingDecider decider = new RecordingDecider();
            Fenced stale = store.recordAttempts(List.of(hardBounce(first)), decider);
            assertThat(stale.refused()).containsExactly(first.recipientId());
            var view = store.message(r.receipt().messageId()).orElseThrow().recipients().getFirst();
            assertThat(view.state()).isEqualTo(RecipientState.DELIVERED);
            assertThat(view.attempts()).extracting(MessageView.AttemptView::decision).containsExactly("DELIVERED");
            assertThat(decider.finals).as("no suppression decided for a stale result").isEmpty();
            assertThat(store.suppression("a@one.test", "transactional")).isEmpty();
            assertThat(store.domainOutcomes("one.test", clock.instant().minusSeconds(3600)).finals()).isEqualTo(1);
        }
    }

    @Test
    void fenced_staleResultRefused_evenBeforeTheNewOwnerWrites_andOnlyTheStaleOneOfAGroup() {
        try (Store store = open(dir, clock)) {
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "a@one.test", "b@one.test"));
            List<Claim> first = store.claimDue("n1", 10, Duration.ofMinutes(1));
            assertThat(first).hasSize(2);
            clock.advance(Duration.ofSeconds(61));
            // n2 takes over only one of the two (limit 1); the other lease expired but nobody claimed it
            Claim taken = store.claimDue("n2", 1, Duration.ofMinutes(1)).getFirst();
            Claim kept = first.stream().filter(c -> !c.recipientId().equals(taken.recipientId())).findFirst().orElseThrow();
            Claim lost = first.stream().filter(c -> c.recipientId().equals(taken.recipientId())).findFirst().orElseThrow();
            Fenced f = store.recordAttempts(List.of(delivered(first.get(0)), delivered(first.get(1))), new RecordingDecider());
            assertThat(f.refused()).as("only the recipient another node claimed").containsExactly(lost.recipientId());
            var recipients = store.message(r.receipt().messageId()).orElseThrow().recipients();
            assertThat(recipients).filteredOn(v -> v.id().equals(kept.recipientId())).singleElement()
                    .satisfies(v -> assertThat(v.state()).isEqualTo(RecipientState.DELIVERED));
            assertThat(recipients).filteredOn(v -> v.id().equals(lost.recipientId())).singleElement().satisfies(v -> {
                assertThat(v.state()).as("still the new owner's").isEqualTo(RecipientState.QUEUED);
                assertThat(v.attempts()).isEmpty();
            });
            assertThat(store.queueStats().leased()).as("n2 still holds its lease").isEqualTo(1);
            assertThat(store.claimDue("n3", 10, Duration.ofMinutes(1))).isEmpty();
        }
    }

    @Test
    void fenced_sameOwnerReclaimingAfterExpiry_invalidatesItsOwnOlderLease() {
        try (Store store = open(dir, clock)) {
            store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            Claim old = store.claimDue("n1", 10, Duration.ofMinutes(1)).getFirst();
            clock.advance(Duration.ofSeconds(61));
            Claim again = store.claimDue("n1", 10, Duration.ofMinutes(1)).getFirst();
            assertThat(again.lease().version()).isGreaterThan(old.lease().version());
            assertThat(store.recordAttempts(List.of(delivered(old)), new RecordingDecider()).refused()).containsExactly(old.recipientId());
            assertThat(store.recordAttempts(List.of(delivered(again)), new RecordingDecider()).refused()).isEmpty();
        }
    }

    @Test
    void fenced_renewalKeepsALongDeliveryLeased_andIsRefusedAfterATakeover() {
        try (Store store = open(dir, clock)) {
            store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            Claim c = store.claimDue("n1", 10, Duration.ofMinutes(1)).getFirst();
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(40));
                assertThat(store.renewLeases(List.of(c), Duration.ofMinutes(1)).refused()).isEmpty();
                assertThat(store.claimDue("n2", 10, Duration.ofMinutes(1))).as("renewed at %d", i).isEmpty();
            }
            clock.advance(Duration.ofSeconds(61));
            Claim taken = store.claimDue("n2", 10, Duration.ofMinutes(1)).getFirst();
            assertThat(store.renewLeases(List.of(c), Duration.ofMinutes(1)).refused()).containsExactly(c.recipientId());
            assertThat(store.postpone(List.of(c), clock.instant().plusSeconds(600)).refused()).containsExactly(c.recipientId());
            assertThat(store.postpone(List.of(taken), clock.instant().plusSeconds(600)).refused()).isEmpty();
            // a freed lease lowers the bound (the domain may have room); a claim that finds nothing raises it exactly
            assertThat(store.nextDueAt()).hasValueSatisfying(t -> assertThat(t).isBeforeOrEqualTo(clock.instant().plusSeconds(600)));
            assertThat(store.claimDue("n3", 10, Duration.ofMinutes(1))).isEmpty();
            assertThat(store.nextDueAt()).contains(clock.instant().plusSeconds(600));
        }
    }

    @Test
    void fenced_webhookDelivery_staleResultRefused_newOwnersResultStands() {
        try (Store store = open(dir, clock)) {
            WebhookStore w = store.webhooks();
            w.save(new WebhookStore.Endpoint("wh1", "api", "https://app.example/hook", "whsec_x", Optional.empty(), Optional.empty(),
                    List.of(), List.of(), false, WebhookStore.EndpointState.ENABLED, "", Optional.empty(), "", clock.instant(), clock.instant()));
            w.fanOut(100, (e, ev) -> true); // the first fan-out starts the cursor at the end of the outbox
            store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            assertThat(w.fanOut(100, (e, ev) -> true)).isEqualTo(1);
            WebhookStore.Claimed first = w.claim("n1", 10, Duration.ofMinutes(1)).getFirst();
            assertThat(w.claim("n2", 10, Duration.ofMinutes(1))).isEmpty();
            clock.advance(Duration.ofSeconds(61));
            WebhookStore.Claimed second = w.claim("n2", 10, Duration.ofMinutes(1)).getFirst();
            assertThat(second.lease().version()).isEqualTo(first.lease().version() + 1);
            assertThat(w.record(List.of(result(second, 200, WebhookStore.DeliveryState.DELIVERED))).refused()).isEmpty();
            assertThat(w.record(List.of(result(first, 503, WebhookStore.DeliveryState.PENDING))).refused())
                    .containsExactly(first.event().id());
            assertThat(w.deliveries("wh1", Optional.empty(), 10)).singleElement().satisfies(d -> {
                assertThat(d.state()).isEqualTo(WebhookStore.DeliveryState.DELIVERED);
                assertThat(d.lastStatus()).contains(200);
            });
            assertThat(w.endpoint("wh1").orElseThrow().failingSince()).as("the stale failure does not mark the endpoint").isEmpty();
            assertThat(w.log("wh1", Optional.empty(), 10)).as("both attempts are logged").hasSize(2);
        }
    }

    private WebhookStore.Result result(WebhookStore.Claimed c, int status, WebhookStore.DeliveryState state) {
        WebhookStore.Attempt a = new WebhookStore.Attempt(WebhookStore.newId(), c.endpoint().id(), c.event().id(), c.attempts() + 1,
                clock.instant(), status, 5, "", "");
        return new WebhookStore.Result(c, a, state, state == WebhookStore.DeliveryState.PENDING
                ? Optional.of(clock.instant().plusSeconds(5)) : Optional.empty(), Optional.empty());
    }

    // ---- the per-domain limit shared by every node, and the queue without scans (issue 15) -------------------

    @Test
    void claimDue_perDomainLimit_countsEveryNodesLeases_andAFullDomainDoesNotHoldOthersBack() {
        try (Store store = open(dir, clock)) {
            store.accept(message("transactional", Optional.empty(), "", "a1@full.test", "a2@full.test", "a3@full.test", "a4@full.test"));
            clock.advance(Duration.ofSeconds(1));
            store.accept(message("transactional", Optional.empty(), "", "b@other.test"));
            List<Claim> n1 = store.claimDue("n1", 10, Duration.ofMinutes(1), 2);
            assertThat(n1).extracting(Claim::domain).containsExactlyInAnyOrder("full.test", "full.test", "other.test");
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(1), 2)).as("full.test has 2 leased by n1").isEmpty();
            assertThat(store.nextDueAt()).as("nothing claimable before a lease ends").hasValueSatisfying(t -> assertThat(t).isAfter(clock.instant()));

            // n1 finishes one: a slot frees, n2 gets exactly one
            Claim done = n1.stream().filter(c -> c.domain().equals("full.test")).findFirst().orElseThrow();
            store.recordAttempts(List.of(delivered(done)), new RecordingDecider());
            assertThat(store.nextDueAt()).hasValueSatisfying(t -> assertThat(t).isBeforeOrEqualTo(clock.instant()));
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(1), 2)).singleElement()
                    .satisfies(c -> assertThat(c.domain()).isEqualTo("full.test"));
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(1), 2)).isEmpty();

            // n1 dies: its leases expire and stop counting; n2 takes the domain up to the limit again
            clock.advance(Duration.ofSeconds(61));
            List<Claim> after = store.claimDue("n2", 10, Duration.ofMinutes(1), 2);
            assertThat(after).extracting(Claim::domain).containsOnly("full.test", "other.test");
            assertThat(after).filteredOn(c -> c.domain().equals("full.test")).hasSize(2);
        }
    }

    @Test
    void queueFigures_followEveryStateChange_withoutScanning() {
        try (Store store = open(dir, clock)) {
            store.suppress(new Suppression("gone@one.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(),
                    Optional.empty(), ""));
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "a@one.test", "b@one.test", "gone@one.test"));
            Instant acceptedAt = clock.instant();
            clock.advance(Duration.ofSeconds(30));
            QueueBreakdown b = store.queueBreakdown();
            assertThat(b.byState()).containsEntry(RecipientState.QUEUED, 2L).containsEntry(RecipientState.SUPPRESSED, 1L)
                    .containsEntry(RecipientState.DELIVERED, 0L);
            assertThat(b.oldestWaitingQueuedAt()).contains(acceptedAt);
            assertThat(store.queueStats()).isEqualTo(new QueueStats(2, Optional.of(acceptedAt), 0));

            List<Claim> claims = store.claimDue("n1", 10, Duration.ofMinutes(5));
            assertThat(store.queueStats().leased()).isEqualTo(2);
            store.recordAttempts(List.of(delivered(claims.get(0)), attempt(claims.get(1), "transactional", SmtpReply.of(451, "4.7.1 later"),
                    Outcome.DEFERRED, Reason.UNDEFINED, new RetryAt(clock.instant().plusSeconds(300), "retry.transient"))), new RecordingDecider());
            assertThat(store.queueBreakdown().byState()).containsEntry(RecipientState.QUEUED, 0L).containsEntry(RecipientState.DEFERRED, 1L)
                    .containsEntry(RecipientState.DELIVERED, 1L);
            assertThat(store.queueStats()).isEqualTo(new QueueStats(1, Optional.of(clock.instant().plusSeconds(300)), 0));
            assertThat(store.claimDue("n1", 10, Duration.ofMinutes(5))).isEmpty();
            assertThat(store.nextDueAt()).contains(clock.instant().plusSeconds(300));

            // late evidence makes the deferred recipient final: counted out of the queue in the same transaction
            String deferredId = claims.get(1).recipientId();
            NewEvidence bounce = new NewEvidence("dsn:q:" + deferredId, "dsn", "postfix", "failed/5.1.1", "", "", Optional.of(deferredId),
                    Optional.empty(), claims.get(1).address(), Optional.empty(), 550, "5.1.1", "user unknown", Optional.of(Outcome.BOUNCED_HARD),
                    "userunknown", "dsn.status", Optional.empty(), "{}");
            store.recordEvidence(List.of(bounce), "transactional", new EvidenceDecision.Decider() {
                @Override
                public Duration breakerWindow() {
                    return Duration.ofHours(1);
                }

                @Override
                public EvidenceDecision decide(NewEvidence e, EvidenceMatch m, List<FinalOutcome> f, DomainOutcomes d, Instant now) {
                    return new EvidenceDecision(Optional.of(RecipientState.BOUNCED_HARD), "userunknown", "evidence.final", Optional.empty(), "");
                }
            });
            assertThat(store.queueBreakdown().byState()).containsEntry(RecipientState.DEFERRED, 0L).containsEntry(RecipientState.BOUNCED_HARD, 1L);
            assertThat(store.queueStats().depth()).isZero();
            assertThat(store.queueBreakdown().oldestWaitingQueuedAt()).isEmpty();
            assertThat(store.message(r.receipt().messageId()).orElseThrow().recipients()).hasSize(3);
        }
    }
}
