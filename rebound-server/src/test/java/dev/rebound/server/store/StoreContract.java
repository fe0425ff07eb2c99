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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

        @Override
        public Optional<Instant> provisionalUntil(List<FinalOutcome> f) {
            return Optional.empty();
        }

        @Override
        public Promotion promote(String address, String stream, List<FinalOutcome> f, DomainOutcomes d, Instant due) {
            return new Promotion(decide(address, stream, f, d, due), "suppress.hard.userunknown");
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
    void acceptAll_oneTransaction_resultsInOrder_keysCheckedAgainstEarlierMessagesOfTheBatch() {
        String first;
        try (Store store = open(dir, clock)) {
            first = ((AcceptResult.Created) store.accept(message("transactional", Optional.of("k1"), "h1", "a@one.test")))
                    .receipt().messageId();
            List<AcceptResult> r = store.acceptAll(List.of(
                    message("transactional", Optional.of("k1"), "h1", "a@one.test"),   // replay of the earlier request
                    message("transactional", Optional.of("k1"), "h9", "a@one.test"),   // the same key, another request
                    message("transactional", Optional.of("k2"), "h2", "b@one.test", "c@two.test"),
                    message("transactional", Optional.of("k2"), "h2", "b@one.test", "c@two.test"), // repeated in the batch
                    message("marketing", Optional.empty(), "", "d@one.test")));
            assertThat(r).hasSize(5);
            assertThat(((AcceptResult.Replayed) r.get(0)).receipt().messageId()).isEqualTo(first);
            assertThat(r.get(1)).isEqualTo(new AcceptResult.Conflict(first));
            var created = (AcceptResult.Created) r.get(2);
            assertThat(created.receipt().recipients()).extracting(AcceptResult.RecipientReceipt::address)
                    .containsExactly("b@one.test", "c@two.test");
            assertThat(r.get(3)).isEqualTo(new AcceptResult.Replayed(created.receipt()));
            assertThat(r.get(4)).isInstanceOf(AcceptResult.Created.class);
            assertThat(store.queueStats().depth()).isEqualTo(4);
        }
        try (Store store = open(dir, clock)) {
            assertThat(store.queueStats().depth()).as("committed before acceptAll returned").isEqualTo(4);
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
            assertThat(store.removeSuppression("gone@one.test", "transactional", "test", "lifted for the test", false, Duration.ofHours(72)))
                    .isInstanceOf(SuppressionChange.Done.class);

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

    /** One recipient per address at {@code domain}, each given up on with a 550 5.1.1 (or delivered when {@code ok}). */
    private List<AttemptRecord> round(Store store, boolean ok, String... to) {
        store.accept(message("transactional", Optional.empty(), "", to));
        List<AttemptRecord> out = new ArrayList<>();
        for (Claim c : store.claimDue("n1", 100, Duration.ofMinutes(5))) {
            out.add(ok ? attempt(c, "transactional", SmtpReply.of(250, "2.0.0 ok"), Outcome.DELIVERED, Reason.DELIVERED,
                            new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, "retry.done"))
                    : attempt(c, "transactional", SmtpReply.of(550, "5.1.1 no such user"), Outcome.BOUNCED_HARD, Reason.USERUNKNOWN,
                            new GiveUp(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, "retry.no-repeat-5xx")));
        }
        return out;
    }

    @Test
    void provisionalReview_decidedAgainOnceWhenItsHoldEnds_asOfTheEndOfTheHold() {
        var decider = new dev.rebound.server.decide.Suppressions(dev.rebound.core.policy.SuppressionConfig.defaults());
        try (Store store = open(dir, clock)) {
            Instant bounced = clock.instant();
            assertThat(store.webhooks().outboxAfter("contract", 1)).isEmpty(); // the cursor starts here
            // a quiet domain: one recipient, gone; a failing one: 12 of 20 recipients gone in one round
            store.recordAttempts(round(store, false, "Gone@Quiet.test"), decider);
            List<String> flaky = new ArrayList<>();
            for (int i = 0; i < 20; i++) flaky.add((i < 12 ? "gone" : "ok") + i + "@flaky.test");
            List<AttemptRecord> group = new ArrayList<>(round(store, true, flaky.subList(12, 20).toArray(String[]::new)));
            group.addAll(round(store, false, flaky.subList(0, 12).toArray(String[]::new)));
            store.recordAttempts(group, decider);
            assertThat(store.suppressions(Optional.of("transactional"), Optional.empty(), Optional.empty(), 100))
                    .hasSize(13).allSatisfy(s -> {
                        assertThat(s.state()).isEqualTo(SuppressionState.REVIEW);
                        assertThat(s.ruleId()).isEqualTo("suppress.provisional.hard");
                    });
            String quietRef = store.suppressions(Optional.of("transactional"), Optional.of("gone@quiet.test"), Optional.empty(), 1)
                    .getFirst().evidenceRef();
            long events = store.webhooks().outboxAfter("contract", 100_000).size();

            // before the hold ends nothing is written
            assertThat(store.sweepProvisional(decider, bounced.plus(Duration.ofMinutes(14)))).isEqualTo(new Promotions(0, 0, 0));
            assertThat(store.webhooks().outboxAfter("contract", 100_000)).hasSize((int) events);
            // back@quiet.test bounced too, and then a message to it was delivered: nothing is provisional any more
            store.recordAttempts(round(store, false, "back@quiet.test"), decider);
            clock.advance(Duration.ofMinutes(1)); // the delivery strictly after the bounce
            store.recordAttempts(round(store, true, "back@quiet.test"), decider);
            events = store.webhooks().outboxAfter("contract", 100_000).size();

            // a sweep an hour after the hold ended decides as at its end: quiet.test healthy, flaky.test failing (12 of 20)
            clock.advance(Duration.ofMinutes(75));
            assertThat(store.sweepProvisional(decider, clock.instant())).isEqualTo(new Promotions(1, 12, 1));
            assertThat(store.suppressions(Optional.of("transactional"), Optional.of("back@quiet.test"), Optional.empty(), 1)).isEmpty();
            assertThat(store.suppressionAudit("back@quiet.test", "transactional")).extracting(SuppressionAudit::action, SuppressionAudit::note)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("created", "suppress.provisional.hard"),
                            org.assertj.core.groups.Tuple.tuple("removed", "suppress.none.delivered"));
            assertThat(store.suppression("gone@quiet.test", "transactional")).hasValueSatisfying(s -> {
                assertThat(s.ruleId()).isEqualTo("suppress.hard.userunknown");
                assertThat(s.expiresAt()).contains(bounced.plus(Duration.ofDays(365)));
                assertThat(s.evidenceRef()).isEqualTo(quietRef);
            });
            assertThat(store.suppressionAudit("gone@quiet.test", "transactional")).extracting(SuppressionAudit::action, SuppressionAudit::actor,
                    SuppressionAudit::note).containsExactly(org.assertj.core.groups.Tuple.tuple("created", "policy", "suppress.provisional.hard"),
                    org.assertj.core.groups.Tuple.tuple("updated", "policy", "suppress.hard.userunknown"));
            assertThat(store.suppressionAudit("gone@quiet.test", "transactional").getLast().at()).isEqualTo(bounced.plus(Duration.ofMinutes(15)));
            for (int i = 0; i < 12; i++) {
                assertThat(store.suppressions(Optional.of("transactional"), Optional.of(flaky.get(i)), Optional.empty(), 1)).singleElement()
                        .satisfies(s -> {
                            assertThat(s.state()).isEqualTo(SuppressionState.REVIEW);
                            assertThat(s.ruleId()).isEqualTo("suppress.breaker.hard");
                        });
            }
            assertThat(store.webhooks().outboxAfter("contract", 100_000).stream().skip(events).map(WebhookStore.OutboxEvent::type))
                    .containsExactlyInAnyOrder(java.util.stream.Stream.concat(java.util.stream.Stream.of("suppression.created", "suppression.removed"),
                            java.util.Collections.nCopies(12, "suppression.review").stream()).toArray(String[]::new));
            // done once: a second sweep finds nothing
            assertThat(store.sweepProvisional(decider, clock.instant())).isEqualTo(new Promotions(0, 0, 0));
        }
    }

    private static NewEvidence dsnRecord(String sha, String address) {
        return new NewEvidence("dsn:" + sha + ":" + address, "dsn", "postfix", "failed/5.1.1", "", "", Optional.empty(), Optional.empty(),
                address, Optional.empty(), 550, "5.1.1", "user unknown", Optional.of(Outcome.BOUNCED_HARD), "userunknown", "dsn.status",
                Optional.empty(), "{}");
    }

    @Test
    void bounceMail_keptOnceWithItsRecords_forReplay_unlessTooLarge() {
        var decider = new dev.rebound.server.decide.EvidenceDecider(
                new dev.rebound.server.decide.Suppressions(dev.rebound.core.policy.SuppressionConfig.defaults()));
        try (Store store = open(dir, clock)) {
            Instant since = clock.instant();
            byte[] mail = "Subject: Undelivered Mail\r\n\r\ntwo recipients\r\n".getBytes(StandardCharsets.US_ASCII);
            String sha = "a".repeat(64), big = "b".repeat(64);
            List<StoredEvidence> two = store.recordEvidence(List.of(dsnRecord(sha, "m1@mail.test"), dsnRecord(sha, "m2@mail.test")),
                    "transactional", decider, new BounceMail(sha, mail));
            // the same email again (an MTA's retry): its records are duplicates, the email is kept once
            assertThat(store.recordEvidence(List.of(dsnRecord(sha, "m1@mail.test")), "transactional", decider, new BounceMail(sha, mail)))
                    .singleElement().satisfies(e -> assertThat(e.duplicate()).isTrue());
            byte[] huge = new byte[BounceMail.MAX_KEPT + 1];
            List<StoredEvidence> large = store.recordEvidence(List.of(dsnRecord(big, "m3@mail.test")), "transactional", decider,
                    new BounceMail(big, huge));
            ReplayInput in = store.replayInput(List.of(new ReplayPair("m1@mail.test", "transactional"), new ReplayPair("m2@mail.test", "transactional"),
                    new ReplayPair("m3@mail.test", "transactional")), clock.instant().plusSeconds(1), since);
            assertThat(in.evidence()).hasSize(3);
            assertThat(in.bounceMail()).containsOnlyKeys(two.get(0).evidenceId(), two.get(1).evidenceId());
            assertThat(in.bounceMail().get(two.get(0).evidenceId())).isEqualTo(mail);
            assertThat(in.bounceMail()).doesNotContainKey(large.getFirst().evidenceId());
            // records received before the range's counts start are not read again (their email is not loaded)
            assertThat(store.replayInput(List.of(new ReplayPair("m1@mail.test", "transactional")), clock.instant().plusSeconds(1),
                    clock.instant().plusMillis(1)).bounceMail()).isEmpty();
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
            // the held recipient of the first message is released once, with the removal
            assertThat(store.removeSuppression("gone@example.com", "transactional", "ops", "confirmed alive", false, Duration.ofHours(72)))
                    .isEqualTo(new SuppressionChange.Done(new Suppression("gone@example.com", "transactional", "userunknown",
                            "suppress.hard.userunknown", clock.instant(), Optional.empty(), ""), 1));
            assertThat(store.removeSuppression("gone@example.com", "transactional", "ops", "again", false, Duration.ofHours(72)))
                    .isInstanceOf(SuppressionChange.Missing.class);
            assertThat(store.message(r.receipt().messageId()).orElseThrow().recipients().getFirst()).satisfies(x -> {
                assertThat(x.state()).isEqualTo(RecipientState.QUEUED);
                assertThat(x.releasedAt()).contains(clock.instant());
            });
            assertThat(store.suppressionAudit("gone@example.com", "transactional")).last().satisfies(a -> {
                assertThat(a.action()).isEqualTo("removed");
                assertThat(a.actor()).isEqualTo("ops");
                assertThat(a.note()).isEqualTo("confirmed alive");
            });
        }
    }

    @Test
    void intake_manyRecipients_eachSuppressedOneFound_whateverItsCase_expiredAndOtherStreamsIgnored() {
        try (Store store = open(dir, clock)) {
            // more recipients than one suppression look-up asks for, and a count that is no power of two
            List<String> to = new ArrayList<>();
            for (int i = 0; i < 300; i++) to.add("r" + i + "@many.test");
            to.add("R7@Many.Test"); // the same mailbox again, in another case
            store.suppress(new Suppression("r7@many.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(), Optional.empty(), ""));
            store.suppress(new Suppression("r299@many.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(), Optional.empty(), ""));
            store.suppress(new Suppression("r100@many.test", "transactional", "mailboxfull", "suppress.soft", clock.instant().minusSeconds(7200),
                    Optional.of(clock.instant().minusSeconds(60)), "")); // expired
            store.suppress(new Suppression("r200@many.test", "marketing", "userunknown", "suppress.hard.userunknown", clock.instant(), Optional.empty(), ""));
            store.suppress(new Suppression("r250@many.test", "transactional", "blocked", "suppress.breaker.hard", clock.instant(), Optional.empty(), "",
                    SuppressionState.REVIEW)); // under review: not blocking
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", to.toArray(String[]::new)));
            List<AcceptResult.RecipientReceipt> got = r.receipt().recipients();
            assertThat(got).hasSize(301);
            List<String> suppressed = got.stream().filter(x -> x.state() == RecipientState.SUPPRESSED).map(AcceptResult.RecipientReceipt::address).toList();
            assertThat(suppressed).containsExactly("r7@many.test", "r299@many.test", "R7@Many.Test");
            assertThat(store.queueStats().depth()).isEqualTo(298);
        }
    }

    @Test
    void suppressionPage_keysetCursor_filters_neitherRepeatsNorSkips() {
        try (Store store = open(dir, clock)) {
            List<Suppression> chunk = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                chunk.add(new Suppression("u" + i + "@" + (i % 2 == 0 ? "even.test" : "odd.test"), i % 3 == 0 ? "marketing" : "transactional",
                        "manual", "import", clock.instant(), Optional.empty(), "", SuppressionState.SUPPRESSED, Suppression.IMPORT, "n" + i));
                if (i % 5 == 4) clock.advance(Duration.ofSeconds(1)); // several entries share a created_at
            }
            boolean[] written = store.importSuppressions(chunk, "ops", false);
            assertThat(written).hasSize(25).doesNotContain(false);
            assertThat(store.importSuppressions(List.of(chunk.getFirst()), "ops", false)).containsExactly(false);
            List<String> seen = new ArrayList<>();
            SuppressionQuery q = SuppressionQuery.all(4);
            while (true) {
                SuppressionQuery.Page p = store.suppressionPage(q);
                p.entries().forEach(e -> seen.add(e.address() + "/" + e.stream()));
                if (p.next().isEmpty()) break;
                // a cursor survives a round trip as a token, and an entry added meanwhile (newest) does not disturb the rest
                q = q.after(SuppressionQuery.Cursor.parse(p.next().get().token()).orElseThrow());
                if (seen.size() == 8) store.addSuppression(new Suppression("late@even.test", "transactional", "manual", "manual",
                        clock.instant().plusSeconds(60), Optional.empty(), "", SuppressionState.SUPPRESSED, Suppression.MANUAL, "late"), "ops");
            }
            assertThat(seen).hasSize(25).doesNotHaveDuplicates().doesNotContain("late@even.test/transactional");
            SuppressionQuery even = new SuppressionQuery(Optional.of("transactional"), Optional.empty(), Optional.empty(), Optional.of("manual"),
                    Optional.of(Suppression.IMPORT), Optional.of("EVEN.test"), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), 100);
            assertThat(store.suppressionPage(even).entries()).extracting(Suppression::address)
                    .allMatch(a -> a.endsWith("@even.test")).hasSize(8);
            assertThat(store.suppressionAudit("u0@even.test", "marketing")).singleElement().satisfies(a -> {
                assertThat(a.action()).isEqualTo("imported");
                assertThat(a.note()).isEqualTo("n0");
            });
        }
    }

    @Test
    void reviews_approveAndReject_oneAuditRowEach_complaintNeedsForce_heldMailReleasedOnceWithinTheWindow() {
        try (Store store = open(dir, clock)) {
            store.suppress(new Suppression("r1@x.test", "transactional", "userunknown", "suppress.breaker.hard", clock.instant(), Optional.empty(), "",
                    SuppressionState.REVIEW));
            store.suppress(new Suppression("r2@x.test", "transactional", "userunknown", "suppress.breaker.hard", clock.instant(), Optional.empty(), "",
                    SuppressionState.REVIEW));
            store.suppress(new Suppression("c@x.test", "transactional", "feedback", "suppress.complaint", clock.instant(), Optional.empty(), "ev1"));
            int before = store.suppressionAudit("r1@x.test", "transactional").size();
            assertThat(store.reviewSuppression("r1@x.test", "transactional", true, "ops", "checked", Optional.empty(), Duration.ofHours(72)))
                    .isInstanceOfSatisfying(SuppressionChange.Done.class, d -> assertThat(d.entry().state()).isEqualTo(SuppressionState.SUPPRESSED));
            assertThat(store.suppressionAudit("r1@x.test", "transactional")).hasSize(before + 1).last()
                    .satisfies(a -> assertThat(a.action()).isEqualTo("approved"));
            assertThat(store.reviewSuppression("r1@x.test", "transactional", true, "ops", "again", Optional.empty(), Duration.ofHours(72)))
                    .isInstanceOfSatisfying(SuppressionChange.Refused.class, r -> assertThat(r.why()).isEqualTo(SuppressionChange.Why.NOT_IN_REVIEW));
            assertThat(store.suppression("r1@x.test", "transactional")).isPresent();

            // held mail: one message older than the window, two inside it; the rejection releases the two, once
            store.suppress(new Suppression("r2@x.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(), Optional.empty(), ""));
            var old = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "r2@x.test"));
            clock.advance(Duration.ofHours(73));
            store.suppress(new Suppression("r2@x.test", "transactional", "userunknown", "suppress.breaker.hard", clock.instant(), Optional.empty(), "",
                    SuppressionState.REVIEW)); // an expired-free SUPPRESSED stands: still SUPPRESSED
            var young1 = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "R2@x.test"));
            var young2 = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "r2@x.test", "other@x.test"));
            assertThat(young1.receipt().recipients().getFirst().state()).isEqualTo(RecipientState.SUPPRESSED);
            assertThat(store.reviewSuppression("r2@x.test", "transactional", false, "ops", "no", Optional.empty(), Duration.ofHours(72)))
                    .isInstanceOf(SuppressionChange.Refused.class);
            int audits = store.suppressionAudit("r2@x.test", "transactional").size();
            assertThat(store.removeSuppression("r2@x.test", "transactional", "ops", "fixed", false, Duration.ofHours(72)))
                    .isInstanceOfSatisfying(SuppressionChange.Done.class, d -> assertThat(d.released()).isEqualTo(2));
            assertThat(store.suppressionAudit("r2@x.test", "transactional")).hasSize(audits + 1);
            assertThat(store.message(old.receipt().messageId()).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.SUPPRESSED);
            assertThat(store.message(young1.receipt().messageId()).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.QUEUED);
            assertThat(store.message(young2.receipt().messageId()).orElseThrow().recipients().getFirst().state()).isEqualTo(RecipientState.QUEUED);
            // suppressed again and removed again: nothing is released a second time
            store.suppress(new Suppression("r2@x.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(), Optional.empty(), ""));
            assertThat(store.removeSuppression("r2@x.test", "transactional", "ops", "again", false, Duration.ofHours(72)))
                    .isInstanceOfSatisfying(SuppressionChange.Done.class, d -> assertThat(d.released()).isZero());

            // a complaint: refused without force (nothing written), removed with it
            int complaintAudits = store.suppressionAudit("c@x.test", "transactional").size();
            assertThat(store.removeSuppression("c@x.test", "transactional", "ops", "please", false, Duration.ofHours(72)))
                    .isInstanceOfSatisfying(SuppressionChange.Refused.class, r -> assertThat(r.why()).isEqualTo(SuppressionChange.Why.COMPLAINT_NEEDS_FORCE));
            assertThat(store.suppressionAudit("c@x.test", "transactional")).hasSize(complaintAudits);
            assertThat(store.removeSuppression("c@x.test", "transactional", "admin", "re-subscribed", true, Duration.ofHours(72)))
                    .isInstanceOf(SuppressionChange.Done.class);
            assertThat(store.suppressionCauses(List.of("ev1", "nothing"))).isEmpty();
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

    /** An evidence decider that gives the recipient {@code state}. */
    static EvidenceDecision.Decider giving(RecipientState state) {
        return new EvidenceDecision.Decider() {
            @Override
            public Duration breakerWindow() {
                return Duration.ofHours(1);
            }

            @Override
            public EvidenceDecision decide(NewEvidence e, EvidenceMatch m, List<FinalOutcome> finals, DomainOutcomes d, Instant now) {
                return new EvidenceDecision(Optional.of(state), e.reason(), "evidence.test", Optional.empty(), "");
            }
        };
    }

    static NewEvidence evidence(String key, String recipientId, String address, Outcome outcome, String reason) {
        return new NewEvidence(key, "provider", "ses", reason, "", "", Optional.of(recipientId), Optional.empty(), address, Optional.empty(),
                550, "5.1.1", reason, Optional.of(outcome), reason, "test.rule", Optional.empty(), "{}");
    }

    @Test
    void outcomeCounts_areAddedByTheRecordingTransactions_perMinuteDomainAndStream() {
        try (Store store = open(dir, clock)) {
            var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "a@one.test", "b@two.test", "c@two.test"));
            var claims = store.claimDue("n1", 10, Duration.ofMinutes(5));
            Claim a = claims.stream().filter(c -> c.address().equals("a@one.test")).findFirst().orElseThrow();
            Claim b = claims.stream().filter(c -> c.address().equals("b@two.test")).findFirst().orElseThrow();
            Claim c = claims.stream().filter(x -> x.address().equals("c@two.test")).findFirst().orElseThrow();
            Instant firstMinute = clock.instant();
            store.recordAttempts(List.of(
                    attempt(a, "transactional", SmtpReply.of(250, "2.0.0 ok"), Outcome.DELIVERED, Reason.DELIVERED,
                            new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, "retry.done")),
                    attempt(b, "transactional", SmtpReply.of(550, "5.1.1 gone"), Outcome.BOUNCED_HARD, Reason.USERUNKNOWN,
                            new GiveUp(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, "retry.no-repeat-5xx")),
                    attempt(c, "transactional", SmtpReply.of(451, "4.7.1 later"), Outcome.DEFERRED, Reason.UNDEFINED,
                            new RetryAt(clock.instant().plusSeconds(300), "retry.transient"))), new RecordingDecider());
            clock.advance(Duration.ofMinutes(2));
            // a late bounce after the delivery adds a hard bounce, not a second final; a complaint adds a complaint
            store.recordEvidence(List.of(evidence("e1", a.recipientId(), "a@one.test", Outcome.BOUNCED_HARD, "userunknown")),
                    "transactional", giving(RecipientState.BOUNCED_HARD));
            store.recordEvidence(List.of(evidence("e2", b.recipientId(), "b@two.test", Outcome.COMPLAINT, "complaint")),
                    "transactional", giving(RecipientState.COMPLAINT));
            store.recordEvidence(List.of(evidence("e2", b.recipientId(), "b@two.test", Outcome.COMPLAINT, "complaint")),
                    "transactional", giving(RecipientState.COMPLAINT)); // a duplicate adds nothing
            Instant end = clock.instant().plus(Duration.ofMinutes(1));

            OutcomeCounts all = store.outcomeTotals(firstMinute.minus(Duration.ofHours(1)), end, ScopedCounts.By.OVERALL).getFirst().counts();
            assertThat(all).isEqualTo(new OutcomeCounts(3, 1, 2, 1, 2, 0, 0, 1));
            assertThat(store.outcomeTotals(firstMinute.minus(Duration.ofHours(1)), end, ScopedCounts.By.DOMAIN))
                    .as("busiest (by finals) first, then by name")
                    .containsExactly(new ScopedCounts("one.test", new OutcomeCounts(1, 0, 1, 1, 1, 0, 0, 0)),
                            new ScopedCounts("two.test", new OutcomeCounts(2, 1, 1, 0, 1, 0, 0, 1)));
            assertThat(store.outcomeTotals(firstMinute, end, ScopedCounts.By.STREAM)).extracting(ScopedCounts::scope).containsExactly("transactional");
            // the window [from, to) is whole minutes: the attempts' minute is left out when it starts after it
            assertThat(store.outcomeTotals(firstMinute.plus(Duration.ofMinutes(1)), end, ScopedCounts.By.OVERALL).getFirst().counts())
                    .isEqualTo(new OutcomeCounts(0, 0, 0, 0, 1, 0, 0, 1));
            assertThat(store.outcomeMinutes(firstMinute.minus(Duration.ofHours(1)), end)).hasSize(4) // 2 domains x 2 minutes
                    .allSatisfy(m -> assertThat(m.stream()).isEqualTo("transactional"));
            assertThat(store.waitingByState()).singleElement().satisfies(w -> {
                assertThat(w.state()).isEqualTo(RecipientState.DEFERRED);
                assertThat(w.count()).isEqualTo(1);
            });
            assertThat(r.receipt().recipients()).hasSize(3);
        }
    }

    @Test
    void alerts_oneOpenPerScopeAndMetric_resolvedOnce_andAPausedDomainIsNotClaimed() {
        try (Store store = open(dir, clock)) {
            Instant now = clock.instant();
            Alert proposed = new Alert("", "domain", "one.test", "hard_bounce", "critical", "hard_bounce.ceiling.critical", now, now,
                    Optional.empty(), Optional.empty(), "{\"rate\":0.3}", "{\"rate\":0.3}");
            Optional<String> id = store.openAlert(proposed, Optional.of(new Pause("domain", "one.test", "critical", Optional.empty(), "monitor", now)));
            assertThat(id).isPresent();
            assertThat(store.openAlert(proposed, Optional.empty())).as("a second open of the same scope and metric").isEmpty();
            assertThat(store.openAlert(new Alert("", "domain", "one.test", "complaint", "warn", "complaint.ceiling.warn", now, now,
                    Optional.empty(), Optional.empty(), "{}", "{}"), Optional.empty())).as("another metric").isPresent();
            assertThat(store.alerts(true, 10)).hasSize(2);
            assertThat(store.pauses()).singleElement().satisfies(p -> assertThat(p.alertId()).isEqualTo(id));

            store.accept(message("transactional", Optional.empty(), "", "x@one.test", "y@two.test"));
            assertThat(store.claimDue("n1", 10, Duration.ofMinutes(5))).extracting(Claim::address).containsExactly("y@two.test");

            assertThat(store.escalateAlert(id.get(), "critical", "hard_bounce.spike.critical", "{\"rate\":0.4}", now)).isTrue();
            clock.advance(Duration.ofMinutes(30));
            assertThat(store.resolveAlert(id.get(), "hard_bounce.clear", "{\"rate\":0.0}", clock.instant())).isTrue();
            assertThat(store.resolveAlert(id.get(), "hard_bounce.clear", "{\"rate\":0.0}", clock.instant())).as("once").isFalse();
            assertThat(store.escalateAlert(id.get(), "critical", "x", "{}", clock.instant())).isFalse();
            Alert closed = store.alert(id.get()).orElseThrow();
            assertThat(closed.resolvedAt()).contains(clock.instant());
            assertThat(closed.ruleId()).isEqualTo("hard_bounce.spike.critical");
            assertThat(store.openAlert(proposed, Optional.empty())).as("after resolution a new alert may open").isPresent();

            assertThat(store.resume("domain", "one.test")).isPresent();
            assertThat(store.resume("domain", "one.test")).isEmpty();
            // y@two.test's lease of 5 minutes has expired meanwhile, so it is due again too
            assertThat(store.claimDue("n1", 10, Duration.ofMinutes(5))).extracting(Claim::address).containsExactlyInAnyOrder("x@one.test", "y@two.test");
        }
    }

    @Test
    void outbox_streamedInCommitOrder_toEndpoints_handOffsClaimedOnce_andReadFromACursor() {
        try (Store store = open(dir, clock)) {
            WebhookStore w = store.webhooks();
            WebhookStore.Endpoint ep = w.save(new WebhookStore.Endpoint("wh_1", "api", "http://127.0.0.1:9/hook", "whsec_x", Optional.empty(),
                    Optional.empty(), List.of(), List.of(), false, WebhookStore.EndpointState.ENABLED, "", Optional.empty(), "test",
                    clock.instant(), clock.instant()));
            assertThat(w.endpoints()).extracting(WebhookStore.Endpoint::id).containsExactly("wh_1");
            WebhookStore.Stream stream = w.acquireStream("n1", Duration.ofMinutes(1)).orElseThrow();
            assertThat(w.streamBatch(stream.cursor(), stream.hwm(), 100, (e, ev) -> true).read())
                    .as("a first stream starts at the end of the outbox").isZero();
            assertThat(w.outboxAfter("reader", 100)).as("so does a new cursor").isEmpty();
            List<String> ids = new ArrayList<>();
            for (String to : List.of("a@one.test", "b@one.test", "c@one.test"))
                ids.add(((AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", to))).receipt().messageId());

            List<WebhookStore.OutboxEvent> read = w.outboxAfter("reader", 100);
            assertThat(read).extracting(WebhookStore.OutboxEvent::messageId).containsExactlyElementsOf(ids);
            assertThat(read).extracting(WebhookStore.OutboxEvent::seq).isSorted().doesNotHaveDuplicates().allMatch(seq -> seq > 0);
            w.moveCursor("reader", read.get(1).seq());
            assertThat(w.outboxAfter("reader", 100)).extracting(WebhookStore.OutboxEvent::messageId).containsExactly(ids.get(2));

            WebhookStore.StreamBatch batch = w.streamBatch(stream.cursor(), stream.hwm(), 100, (e, ev) -> true);
            assertThat(batch.read()).isEqualTo(3);
            assertThat(batch.offers()).extracting(o -> o.event().messageId()).containsExactlyElementsOf(ids);
            assertThat(batch.offers()).noneMatch(WebhookStore.Offer::waits);
            List<WebhookStore.Handoff> handoffs = batch.offers().stream().map(o -> new WebhookStore.Handoff(o.endpoint().id(), o.event())).toList();
            WebhookStore.Recorded rec = w.record(List.of(), handoffs, Optional.of(new WebhookStore.StreamMove(stream.lease(), batch.last(), batch.last())));
            assertThat(rec.streamLost()).isFalse();
            assertThat(w.acquireStream("n1", Duration.ofMinutes(1))).as("held until released").isEmpty();
            assertThat(w.releaseLeases("n1")).isZero();
            WebhookStore.Stream again = w.acquireStream("n2", Duration.ofMinutes(1)).orElseThrow();
            assertThat(again.cursor()).as("the position moved").isEqualTo(batch.last());
            assertThat(again.lease().version()).isGreaterThan(stream.lease().version());
            assertThat(w.streamBatch(again.cursor(), again.hwm(), 100, (e, ev) -> true).read()).isZero();
            assertThat(w.deliveries("wh_1", Optional.of(WebhookStore.DeliveryState.PENDING), 10)).hasSize(3);
            List<WebhookStore.Claimed> claimed = w.claim("n1", 10, Duration.ofMinutes(1));
            assertThat(claimed).extracting(c -> c.event().messageId()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(claimed).allSatisfy(c -> assertThat(c.endpoint()).isEqualTo(ep));
            assertThat(w.claim("n2", 10, Duration.ofMinutes(1))).as("leased once").isEmpty();
            assertThat(w.releaseLeases("n1")).isEqualTo(3);
            assertThat(w.claim("n2", 10, Duration.ofMinutes(1))).hasSize(3);
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

    /** Bob's history on the store: accepted, deferred, hard bounce with a suppression, the entry removed, a DSN. */
    private String bobHistory(Store store) {
        var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "Bob@One.test"));
        store.accept(message("transactional", Optional.empty(), "", "alice@one.test"));
        RecordingDecider decider = new RecordingDecider();
        for (Claim c : store.claimDue("n1", 10, Duration.ofMinutes(5)))
            store.recordAttempts(List.of(attempt(c, "transactional", SmtpReply.of(451, "4.3.0 later"), Outcome.DEFERRED, Reason.UNDEFINED,
                    new RetryAt(clock.instant().plusSeconds(300), "retry.transient"))), decider);
        clock.advance(Duration.ofSeconds(300));
        Claim bob = store.claimDue("n1", 10, Duration.ofMinutes(5)).stream().filter(c -> c.address().equals("Bob@One.test")).findFirst().orElseThrow();
        store.recordAttempts(List.of(attempt(bob, "transactional", SmtpReply.of(550, "5.1.1 no such user"), Outcome.BOUNCED_HARD,
                Reason.USERUNKNOWN, new GiveUp(Outcome.BOUNCED_HARD, Reason.USERUNKNOWN, "retry.no-repeat-5xx"))), decider);
        clock.advance(Duration.ofSeconds(60));
        store.removeSuppression("bob@one.test", "transactional", "test", "mailbox restored", false, Duration.ofHours(72));
        clock.advance(Duration.ofSeconds(60));
        store.recordEvidence(List.of(new NewEvidence("dsn:x:bob@one.test", "dsn", "postfix", "failed/5.1.1", "", "",
                Optional.of(bob.recipientId()), Optional.empty(), "bob@one.test", Optional.empty(), 550, "5.1.1", "user unknown",
                Optional.of(Outcome.BOUNCED_HARD), "userunknown", "dsn.status", Optional.empty(), "{\"status\":\"5.1.1\"}")), "transactional",
                new EvidenceDecision.Decider() {
                    @Override
                    public Duration breakerWindow() {
                        return Duration.ofHours(1);
                    }

                    @Override
                    public EvidenceDecision decide(NewEvidence e, EvidenceMatch m, List<FinalOutcome> f, DomainOutcomes d, Instant now) {
                        return new EvidenceDecision(Optional.empty(), "", "evidence.none.not-stronger", Optional.empty(), "suppress.none.test");
                    }
                });
        return r.receipt().messageId();
    }

    private static List<String> kinds(List<Timeline.Entry> entries) {
        List<String> out = new ArrayList<>();
        for (Timeline.Entry e : entries) out.add(switch (e) {
            case Timeline.Accepted a -> "accepted";
            case Timeline.AttemptEntry a -> "attempt";
            case Timeline.EvidenceEntry x -> "evidence";
            case Timeline.Decision d -> "decision:" + d.ruleId();
            case Timeline.SuppressionChange c -> "suppression:" + c.audit().action();
        });
        return out;
    }

    @Test
    void timeline_everySourceInTimeOrder_caseInsensitive_pagedWithoutRepeatsOrGaps() {
        try (Store store = open(dir, clock)) {
            bobHistory(store);
            Timeline all = store.timeline("BOB@one.TEST", Optional.empty(), Optional.empty(), 100);
            assertThat(all.nextCursor()).isEmpty();
            assertThat(kinds(all.entries())).containsExactly("accepted", "attempt", "decision:retry.transient", "attempt",
                    "decision:retry.no-repeat-5xx", "suppression:created", "suppression:removed", "evidence", "decision:evidence.none.not-stronger");
            assertThat(store.timeline("bob@one.test", Optional.of("other"), Optional.empty(), 100).entries()).isEmpty();
            for (int limit = 1; limit <= 4; limit++) {
                List<Timeline.Entry> paged = new ArrayList<>();
                Optional<Timeline.Cursor> cursor = Optional.empty();
                do {
                    Timeline page = store.timeline("bob@one.test", Optional.of("transactional"), cursor, limit);
                    assertThat(page.entries().size()).isLessThanOrEqualTo(limit);
                    paged.addAll(page.entries());
                    cursor = page.nextCursor();
                    assertThat(cursor.map(Timeline.Cursor::text).flatMap(Timeline.Cursor::parse)).isEqualTo(cursor);
                } while (cursor.isPresent());
                assertThat(paged).as("limit " + limit).isEqualTo(all.entries());
            }
        }
    }

    @Test
    void replay_pairsInRange_inputPerSource_andApplyOnlyOverTheEntryItWasComputedFrom() {
        try (Store store = open(dir, clock)) {
            Instant since = clock.instant().minusSeconds(1);
            bobHistory(store);
            Instant until = clock.instant().plusSeconds(1);
            assertThat(store.replayPairCount(since, until)).isEqualTo(2);
            assertThat(store.replayPairs(since, until, Optional.empty(), 1)).containsExactly(new ReplayPair("alice@one.test", "transactional"));
            assertThat(store.replayPairs(since, until, Optional.of(new ReplayPair("alice@one.test", "transactional")), 10))
                    .containsExactly(new ReplayPair("bob@one.test", "transactional"));
            assertThat(store.replayPairCount(until, until.plusSeconds(60))).isZero();

            ReplayInput in = store.replayInput(List.of(new ReplayPair("bob@one.test", "transactional")), until, since);
            assertThat(in.recipients()).extracting(ReplayInput.RecipientRow::address).containsExactly("Bob@One.test");
            assertThat(in.attempts()).extracting(a -> a.attempt().decision()).containsExactly("DEFERRED", "BOUNCED_HARD");
            assertThat(in.attempts().getLast().attempt().replyLines()).containsExactly("5.1.1 no such user");
            assertThat(in.evidence()).singleElement().satisfies(e -> assertThat(e.payload()).contains("5.1.1"));
            assertThat(in.audit()).extracting(SuppressionAudit::action).containsExactly("created", "removed");
            assertThat(in.current()).isEmpty();
            assertThat(in.domainMinutes()).extracting(ReplayInput.DomainMinute::domain).containsOnly("one.test");

            Suppression entry = new Suppression("bob@one.test", "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(),
                    Optional.of(clock.instant().plus(Duration.ofDays(365))), "ref", SuppressionState.SUPPRESSED);
            ReplayChange add = ReplayChange.between("bob@one.test", "transactional", Optional.empty(), Optional.of(entry)).orElseThrow();
            assertThat(add.kind()).isEqualTo(ReplayChange.Kind.ADDED);
            assertThat(store.applyReplay(List.of(add), "replay", "test", Duration.ofHours(72))).containsExactly(true);
            assertThat(store.applyReplay(List.of(add), "replay", "test", Duration.ofHours(72))).as("the entry is no longer the one it was computed from").containsExactly(false);
            assertThat(store.suppression("bob@one.test", "transactional")).hasValueSatisfying(s -> assertThat(s.ruleId()).isEqualTo("suppress.hard.userunknown"));
            ReplayChange remove = ReplayChange.between("bob@one.test", "transactional", Optional.of(entry), Optional.empty()).orElseThrow();
            assertThat(store.applyReplay(List.of(remove), "replay", "test", Duration.ofHours(72))).containsExactly(true);
            assertThat(store.suppression("bob@one.test", "transactional")).isEmpty();
            assertThat(store.suppressionAudit("bob@one.test", "transactional")).extracting(a -> a.action() + " by " + a.actor())
                    .containsExactly("created by policy", "removed by test", "created by replay", "removed by replay");
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
    void fenced_renewalOfWorkThatFinishedMeanwhile_isNotALostLease_andRenewsNothing() {
        try (Store store = open(dir, clock)) {
            store.accept(message("transactional", Optional.empty(), "", "a@one.test", "b@one.test"));
            List<Claim> claims = store.claimDue("n1", 10, Duration.ofMinutes(1));
            assertThat(claims).hasSize(2);
            Claim done = claims.get(0), postponed = claims.get(1);
            // both finish (a result, a postponement) after the heartbeat read what is in flight and before its renewal ran
            assertThat(store.recordAttempts(List.of(attempt(done, "transactional", SmtpReply.of(250, "2.0.0 ok"), Outcome.DELIVERED,
                    Reason.DELIVERED, new GiveUp(Outcome.DELIVERED, Reason.DELIVERED, "retry.done"))), new RecordingDecider()).refused()).isEmpty();
            assertThat(store.postpone(List.of(postponed), clock.instant().plusSeconds(30)).refused()).isEmpty();
            assertThat(store.renewLeases(claims, Duration.ofMinutes(10)).refused()).as("finished, not lost").isEmpty();
            clock.advance(Duration.ofSeconds(31));
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(1))).as("nothing was renewed: the postponed one is free when due")
                    .extracting(Claim::recipientId).containsExactly(postponed.recipientId());
            // the first holder's lease is now lost to n2 (a higher version)
            assertThat(store.renewLeases(List.of(postponed), Duration.ofMinutes(1)).refused()).containsExactly(postponed.recipientId());
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
            Instant postponedTo = clock.instant().plusSeconds(600);
            assertThat(store.postpone(List.of(taken), postponedTo).refused()).isEmpty();
            // the bound stays a lower bound of the postponed time (without a per-domain limit a freed lease opens no
            // slot, so it does not lower it to now); a claim that finds nothing raises it exactly
            assertThat(store.nextDueAt()).hasValueSatisfying(t -> assertThat(t).isBeforeOrEqualTo(postponedTo));
            clock.advance(Duration.ofSeconds(61)); // past the lease n2's claim left as the bound
            assertThat(store.claimDue("n3", 10, Duration.ofMinutes(1))).isEmpty();
            assertThat(store.nextDueAt()).contains(postponedTo);
        }
    }

    @Test
    void fenced_webhookDelivery_staleResultRefused_newOwnersResultStands() {
        try (Store store = open(dir, clock)) {
            WebhookStore w = store.webhooks();
            w.save(new WebhookStore.Endpoint("wh1", "api", "https://app.example/hook", "whsec_x", Optional.empty(), Optional.empty(),
                    List.of(), List.of(), false, WebhookStore.EndpointState.ENABLED, "", Optional.empty(), "", clock.instant(), clock.instant()));
            WebhookStore.Stream stream = w.acquireStream("n0", Duration.ofMinutes(10)).orElseThrow(); // starts at the end of the outbox
            store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            WebhookStore.StreamBatch batch = w.streamBatch(stream.cursor(), stream.hwm(), 100, (e, ev) -> true);
            assertThat(batch.read()).isEqualTo(1);
            w.record(List.of(), List.of(new WebhookStore.Handoff("wh1", batch.offers().getFirst().event())),
                    Optional.of(new WebhookStore.StreamMove(stream.lease(), batch.last(), batch.last())));
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

    @Test
    void stream_directResults_waitBehindPendingRows_fencedByTheStreamLease_andATakeOverSkipsWhatWasDone() {
        try (Store store = open(dir, clock)) {
            WebhookStore w = store.webhooks();
            for (String id : List.of("wh1", "wh2"))
                w.save(new WebhookStore.Endpoint(id, "api", "https://app.example/" + id, "whsec_x", Optional.empty(), Optional.empty(),
                        List.of(), List.of(), false, id.equals("wh1") ? WebhookStore.EndpointState.ENABLED : WebhookStore.EndpointState.DISABLED,
                        "", Optional.empty(), "", clock.instant(), clock.instant()));
            WebhookStore.Subscription recipientEvents = (e, ev) -> ev.type().startsWith("recipient.");
            WebhookStore.Stream n1 = w.acquireStream("n1", Duration.ofHours(1)).orElseThrow();
            assertThat(w.acquireStream("n2", Duration.ofHours(1))).as("one holder at a time").isEmpty();
            store.accept(message("transactional", Optional.empty(), "", "a@one.test"));
            store.accept(message("transactional", Optional.empty(), "", "b@one.test"));
            deferDue(store, Set.of("a@one.test", "b@one.test"));
            WebhookStore.StreamBatch first = w.streamBatch(n1.cursor(), n1.hwm(), 100, recipientEvents);
            assertThat(first.offers()).as("each deferral to both endpoints, the disabled one too").hasSize(4);
            assertThat(first.offers()).noneMatch(WebhookStore.Offer::waits);
            WebhookStore.Offer a1 = offer(first, "wh1", "a@one.test"), b1 = offer(first, "wh1", "b@one.test");
            // a's first event fails (a row with its retry time), b's is delivered (no row: its log row stands for it);
            // wh2's events are handed off (kept as rows for when it is enabled)
            WebhookStore.Recorded rec = w.record(List.of(direct(n1, a1, 503, WebhookStore.DeliveryState.PENDING), direct(n1, b1, 200, WebhookStore.DeliveryState.DELIVERED)),
                    List.of(new WebhookStore.Handoff("wh2", offer(first, "wh2", "a@one.test").event()), new WebhookStore.Handoff("wh2", offer(first, "wh2", "b@one.test").event())),
                    Optional.of(new WebhookStore.StreamMove(n1.lease(), first.last(), first.last())));
            assertThat(rec.streamLost()).isFalse();
            assertThat(rec.refused()).isEmpty();
            assertThat(w.deliveries("wh1", Optional.empty(), 10)).extracting(d -> d.eventId() + " " + d.state() + " " + d.attempts() + " " + d.lastStatus().orElse(0))
                    .containsExactlyInAnyOrder(a1.event().id() + " PENDING 1 503", b1.event().id() + " DELIVERED 1 200");
            assertThat(w.deliveries("wh1", Optional.of(WebhookStore.DeliveryState.DELIVERED), 10)).singleElement()
                    .satisfies(d -> assertThat(d.eventId()).isEqualTo(b1.event().id()));
            assertThat(w.deliveries("wh2", Optional.of(WebhookStore.DeliveryState.PENDING), 10)).hasSize(2);
            assertThat(w.endpoint("wh1").orElseThrow().failingSince()).as("the batch's last result, a success, decides").isEmpty();

            // new deferrals of a and c: a's waits behind its pending row, c's goes
            store.accept(message("transactional", Optional.empty(), "", "c@one.test"));
            clock.advance(Duration.ofSeconds(300));
            deferDue(store, Set.of("a@one.test", "c@one.test"));
            WebhookStore.StreamBatch second = w.streamBatch(first.last(), n1.hwm(), 100, recipientEvents);
            assertThat(offer(second, "wh1", "a@one.test").waits()).isTrue();
            assertThat(offer(second, "wh1", "c@one.test").waits()).isFalse();
            assertThat(offer(second, "wh2", "a@one.test").waits()).as("wh2's own rows decide for wh2").isTrue();
            assertThat(offer(second, "wh2", "c@one.test").waits()).isFalse();
            // n1 delivers c's event, but its commit cannot move past a's (still in a lane at n1): hwm records c's
            WebhookStore.Offer c = offer(second, "wh1", "c@one.test");
            long beforeA = Math.min(offer(second, "wh1", "a@one.test").event().seq(), c.event().seq()) - 1;
            w.record(List.of(direct(n1, c, 204, WebhookStore.DeliveryState.DELIVERED)), List.of(),
                    Optional.of(new WebhookStore.StreamMove(n1.lease(), beforeA, c.event().seq())));

            // n1 pauses past its lease: n2 takes the stream over from the committed position
            clock.advance(Duration.ofHours(1));
            WebhookStore.Stream n2 = w.acquireStream("n2", Duration.ofMinutes(1)).orElseThrow();
            assertThat(n2.cursor()).isEqualTo(beforeA);
            assertThat(n2.hwm()).isEqualTo(c.event().seq());
            WebhookStore.StreamBatch taken = w.streamBatch(n2.cursor(), n2.hwm(), 100, recipientEvents);
            assertThat(taken.offers()).extracting(o -> o.endpoint().id() + " " + o.event().address())
                    .as("c's event to wh1 is done (its 2xx is in the log); the rest is offered again")
                    .containsExactlyInAnyOrder("wh1 a@one.test", "wh2 a@one.test", "wh2 c@one.test");
            // n1's late commit is refused by the stream's fencing token: its attempt is logged, nothing else written
            WebhookStore.Recorded stale = w.record(List.of(direct(n1, offer(second, "wh1", "a@one.test"), 200, WebhookStore.DeliveryState.DELIVERED)),
                    List.of(new WebhookStore.Handoff("wh2", offer(second, "wh2", "c@one.test").event())),
                    Optional.of(new WebhookStore.StreamMove(n1.lease(), second.last(), second.last())));
            assertThat(stale.streamLost()).isTrue();
            assertThat(stale.refused()).containsExactly(offer(second, "wh1", "a@one.test").event().id());
            assertThat(w.deliveries("wh2", Optional.of(WebhookStore.DeliveryState.PENDING), 10)).as("n1's hand-off is not written").hasSize(2);
            assertThat(w.renewStream(n1.lease(), Duration.ofMinutes(1))).isFalse();
            assertThat(w.renewStream(n2.lease(), Duration.ofMinutes(1))).isTrue();
            assertThat(w.log("wh1", Optional.empty(), 10)).as("every attempt is logged").hasSize(4);
        }
    }

    @Test
    void webhookViews_keysetPages_rowsAndStreamSuccessesMerged_eachDeliveryOnce_inBothOrders_withStateFilters() {
        try (Store store = open(dir, clock)) {
            WebhookStore w = store.webhooks();
            for (String id : List.of("wh1", "wh2"))
                w.save(new WebhookStore.Endpoint(id, "api", "https://app.example/" + id, "whsec_x", Optional.empty(), Optional.empty(),
                        List.of(), List.of(), false, WebhookStore.EndpointState.ENABLED, "", Optional.empty(), "", clock.instant(), clock.instant()));
            WebhookStore.Stream stream = w.acquireStream("n1", Duration.ofHours(1)).orElseThrow();
            // what happens to an event at wh1, by kind (3 events each); the clock stands still, so every attempt and
            // every event has the same time: only the documented order (event id; the log by time, then id) is assumed
            Map<String, Integer> kindOf = new HashMap<>(); // message id -> kind
            for (int i = 0; i < 21; i++)
                kindOf.put(((AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", "r" + i + "@one.test")))
                        .receipt().messageId(), i % 7);
            WebhookStore.StreamBatch batch = w.streamBatch(stream.cursor(), stream.hwm(), 100,
                    (e, ev) -> e.id().equals("wh2") || kindOf.get(ev.messageId()) != 6); // kind 6: not for wh1 (wh2 got it)
            assertThat(batch.read()).isEqualTo(21);
            List<WebhookStore.Result> results = new ArrayList<>();
            List<WebhookStore.Handoff> handoffs = new ArrayList<>();
            Map<String, WebhookStore.DeliveryState> expected = new HashMap<>(); // wh1's deliveries: event id -> state
            List<String> redeliver = new ArrayList<>(), streamOnly = new ArrayList<>();
            for (WebhookStore.Offer o : batch.offers()) {
                String ev = o.event().id();
                if (o.endpoint().id().equals("wh2")) {
                    results.add(direct(stream, o, 200, WebhookStore.DeliveryState.DELIVERED)); // wh2's log: never in wh1's views
                    continue;
                }
                switch (kindOf.get(o.event().messageId())) {
                    case 0 -> { // delivered by the stream at once: no row, its 2xx log row stands for it
                        results.add(direct(stream, o, 200, WebhookStore.DeliveryState.DELIVERED));
                        expected.put(ev, WebhookStore.DeliveryState.DELIVERED);
                        streamOnly.add(ev);
                    }
                    case 1 -> { // failed at once: a row, retried later
                        results.add(direct(stream, o, 503, WebhookStore.DeliveryState.PENDING));
                        expected.put(ev, WebhookStore.DeliveryState.PENDING);
                    }
                    case 2, 3, 4 -> handoffs.add(new WebhookStore.Handoff("wh1", o.event())); // rows due now
                    case 5 -> { // delivered by the stream, then redelivered: a row besides the 2xx log row; listed once, by the row
                        results.add(direct(stream, o, 204, WebhookStore.DeliveryState.DELIVERED));
                        redeliver.add(ev);
                        expected.put(ev, WebhookStore.DeliveryState.PENDING);
                    }
                    default -> throw new AssertionError("kind 6 is not offered to wh1: " + o);
                }
            }
            assertThat(w.record(results, handoffs, Optional.of(new WebhookStore.StreamMove(stream.lease(), batch.last(), batch.last())))
                    .streamLost()).isFalse();
            // the hand-offs claimed: kind 2 stays in flight (PENDING, leased), kind 3 is delivered, kind 4 fails for good
            List<WebhookStore.Result> later = new ArrayList<>();
            for (WebhookStore.Claimed c : w.claim("n1", 100, Duration.ofMinutes(5))) {
                String ev = c.event().id();
                switch (kindOf.get(c.event().messageId())) {
                    case 2 -> expected.put(ev, WebhookStore.DeliveryState.PENDING);
                    case 3 -> {
                        later.add(result(c, 200, WebhookStore.DeliveryState.DELIVERED));
                        expected.put(ev, WebhookStore.DeliveryState.DELIVERED);
                    }
                    case 4 -> {
                        later.add(result(c, 500, WebhookStore.DeliveryState.FAILED));
                        expected.put(ev, WebhookStore.DeliveryState.FAILED);
                    }
                    default -> throw new AssertionError("only the hand-offs are due: " + c.event());
                }
            }
            assertThat(w.record(later).refused()).isEmpty();
            for (String ev : redeliver) assertThat(w.redeliver("wh1", ev)).hasValueSatisfying(r -> assertThat(r.added()).isEqualTo(1));
            assertThat(expected).hasSize(18);

            for (Optional<WebhookStore.DeliveryState> state : List.of(Optional.<WebhookStore.DeliveryState>empty(),
                    Optional.of(WebhookStore.DeliveryState.PENDING), Optional.of(WebhookStore.DeliveryState.DELIVERED), Optional.of(WebhookStore.DeliveryState.FAILED)))
                for (WebhookStore.Order order : WebhookStore.Order.values())
                    for (int limit : List.of(1, 2, 3, 5, 6, 18, 100)) {
                        List<WebhookStore.Delivery> seen = new ArrayList<>();
                        Optional<WebhookStore.DeliveryCursor> cursor = Optional.empty();
                        do {
                            WebhookStore.DeliveryPage page = w.deliveries("wh1", state, order, cursor, limit);
                            if (page.next().isPresent()) assertThat(page.deliveries()).as("a page before the last is full").hasSize(limit);
                            else assertThat(page.deliveries()).hasSizeLessThanOrEqualTo(limit);
                            seen.addAll(page.deliveries());
                            cursor = page.next();
                            assertThat(seen.size()).as("the pages end").isLessThanOrEqualTo(18);
                        } while (cursor.isPresent());
                        String what = state + " " + order + " by " + limit;
                        Map<String, WebhookStore.DeliveryState> want = new HashMap<>(expected);
                        want.values().removeIf(s -> state.isPresent() && s != state.get());
                        Map<String, WebhookStore.DeliveryState> got = new HashMap<>();
                        for (WebhookStore.Delivery d : seen) {
                            assertThat(got.put(d.eventId(), d.state())).as("%s: %s listed once", what, d.eventId()).isNull();
                            assertThat(d.endpointId()).isEqualTo("wh1");
                        }
                        assertThat(got).as(what).isEqualTo(want);
                        // event ids (hex of the creation millisecond, then random bits) in the asked direction
                        assertThat(seen).extracting(WebhookStore.Delivery::eventId).as(what)
                                .isSortedAccordingTo(order == WebhookStore.Order.ASC ? Comparator.<String>naturalOrder() : Comparator.<String>reverseOrder());
                    }
            assertThat(w.deliveries("wh1", Optional.empty(), 100)).extracting(d -> d.eventId() + " " + d.attempts() + " " + d.lastStatus().orElse(0))
                    .as("a stream success shows its attempt and status")
                    .contains(results.stream().filter(r -> r.attempt().endpointId().equals("wh1") && r.attempt().statusCode() == 200)
                            .map(r -> r.attempt().eventId() + " 1 200").toArray(String[]::new));

            // a delivery that changes between two pages (a stream success redelivered: now a row) keeps its place
            WebhookStore.DeliveryPage first = w.deliveries("wh1", Optional.empty(), WebhookStore.Order.ASC, Optional.empty(), 4);
            String moved = streamOnly.stream().filter(id -> first.deliveries().stream().noneMatch(d -> d.eventId().equals(id)))
                    .findFirst().orElseThrow();
            assertThat(w.redeliver("wh1", moved)).hasValueSatisfying(r -> assertThat(r.added()).isEqualTo(1));
            List<String> rest = new ArrayList<>();
            Optional<WebhookStore.DeliveryCursor> next = first.next();
            while (next.isPresent()) {
                WebhookStore.DeliveryPage p = w.deliveries("wh1", Optional.empty(), WebhookStore.Order.ASC, next, 4);
                p.deliveries().forEach(d -> rest.add(d.eventId() + (d.eventId().equals(moved) ? " " + d.state() : "")));
                next = p.next();
            }
            assertThat(rest).hasSize(18 - 4).contains(moved + " PENDING").doesNotHaveDuplicates();

            // the log: newest first by time, ties (all of them here) by id, each attempt once
            List<String> attemptIds = new ArrayList<>();
            for (WebhookStore.Result r : results) if (r.attempt().endpointId().equals("wh1")) attemptIds.add(r.attempt().id());
            for (WebhookStore.Result r : later) attemptIds.add(r.attempt().id());
            assertThat(attemptIds).hasSize(15);
            for (int limit : List.of(1, 2, 4, 15, 100)) {
                List<String> seen = new ArrayList<>();
                Optional<WebhookStore.LogCursor> cursor = Optional.empty();
                do {
                    WebhookStore.LogPage page = w.log("wh1", Optional.empty(), cursor, limit);
                    if (page.next().isPresent()) assertThat(page.attempts()).hasSize(limit);
                    page.attempts().forEach(a -> seen.add(a.id()));
                    cursor = page.next();
                    assertThat(seen.size()).as("the pages end").isLessThanOrEqualTo(15);
                } while (cursor.isPresent());
                assertThat(seen).as("by %d", limit).containsExactlyInAnyOrderElementsOf(attemptIds).isSortedAccordingTo(Comparator.reverseOrder());
            }
            String one = redeliver.getFirst();
            WebhookStore.LogPage ofOne = w.log("wh1", Optional.of(one), Optional.empty(), 1);
            assertThat(ofOne.attempts()).singleElement().satisfies(a -> assertThat(a.eventId()).isEqualTo(one));
            assertThat(ofOne.next()).as("one attempt only").isEmpty();
            assertThat(w.log("wh2", Optional.empty(), Optional.empty(), 100).attempts()).hasSize(21);
        }
    }

    /** Claims the due recipients and records a deferral (a recipient.deferred event) for those addressed in {@code who}. */
    private void deferDue(Store store, Set<String> who) {
        List<AttemptRecord> deferrals = new ArrayList<>();
        for (Claim c : store.claimDue("n1", 10, Duration.ofMinutes(5))) {
            if (!who.contains(c.address())) continue;
            deferrals.add(attempt(c, "transactional", SmtpReply.of(451, "4.3.0 later"), Outcome.DEFERRED, Reason.UNDEFINED,
                    new RetryAt(clock.instant().plusSeconds(300), "retry.transient")));
        }
        assertThat(deferrals).hasSize(who.size());
        store.recordAttempts(deferrals, new RecordingDecider());
    }

    private static WebhookStore.Offer offer(WebhookStore.StreamBatch batch, String endpoint, String address) {
        return batch.offers().stream().filter(o -> o.endpoint().id().equals(endpoint) && o.event().address().equals(address))
                .findFirst().orElseThrow(() -> new AssertionError("no offer of " + address + " to " + endpoint + " in " + batch.offers()));
    }

    private WebhookStore.Result direct(WebhookStore.Stream stream, WebhookStore.Offer o, int status, WebhookStore.DeliveryState state) {
        return result(new WebhookStore.Claimed(o.endpoint(), o.event(), 0, stream.lease(), true), status, state);
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

    // ---- the queue figures kept by the writer (V90): exact after any mix of operations -------------------------

    @Test
    void queueFigures_matchARecount_afterARandomMixOfOperations() {
        java.util.Random random = new java.util.Random(20261205L); // fixed seed: the same mix on every run
        String[] domains = {"one.test", "two.test", "three.test"};
        String[] addresses = new String[12];
        for (int i = 0; i < addresses.length; i++) addresses[i] = "u" + i + "@" + domains[i % domains.length];
        EvidenceDecision.Decider bounce = new EvidenceDecision.Decider() {
            @Override
            public Duration breakerWindow() {
                return Duration.ofHours(1);
            }

            @Override
            public EvidenceDecision decide(NewEvidence e, EvidenceMatch m, List<FinalOutcome> f, DomainOutcomes d, Instant now) {
                return new EvidenceDecision(Optional.of(RecipientState.BOUNCED_HARD), "userunknown", "evidence.final", Optional.empty(), "");
            }
        };
        try (Store store = open(dir, clock)) {
            List<Claim> held = new ArrayList<>();
            List<String> recipientIds = new ArrayList<>();
            for (int step = 0; step < 160; step++) {
                int op = random.nextInt(10);
                switch (op) {
                    case 0, 1 -> { // accept 1 to 3 recipients (some suppressed at intake)
                        int n = 1 + random.nextInt(3);
                        String[] to = new String[n];
                        for (int i = 0; i < n; i++) to[i] = addresses[random.nextInt(addresses.length)];
                        var r = (AcceptResult.Created) store.accept(message("transactional", Optional.empty(), "", to));
                        r.receipt().recipients().forEach(x -> recipientIds.add(x.id()));
                    }
                    case 2, 3 -> held.addAll(store.claimDue(random.nextBoolean() ? "n1" : "n2", 1 + random.nextInt(5),
                            Duration.ofSeconds(60), random.nextBoolean() ? Integer.MAX_VALUE : 2));
                    case 4, 5 -> { // results of some held claims (stale ones are refused by fencing)
                        List<AttemptRecord> results = new ArrayList<>();
                        for (int i = 0; i < 3 && !held.isEmpty(); i++) {
                            Claim c = held.remove(random.nextInt(held.size()));
                            results.add(switch (random.nextInt(3)) {
                                case 0 -> delivered(c);
                                case 1 -> hardBounce(c);
                                default -> attempt(c, "transactional", SmtpReply.of(451, "4.7.1 later"), Outcome.DEFERRED, Reason.UNDEFINED,
                                        new RetryAt(clock.instant().plusSeconds(1 + random.nextInt(120)), "retry.transient"));
                            });
                        }
                        store.recordAttempts(results, new RecordingDecider());
                    }
                    case 6 -> { // postpone a held claim
                        if (!held.isEmpty()) store.postpone(List.of(held.remove(random.nextInt(held.size()))),
                                clock.instant().plusSeconds(random.nextInt(90)));
                    }
                    case 7 -> { // late evidence on any recipient (a final state for a waiting or a leased one)
                        if (!recipientIds.isEmpty()) {
                            String id = recipientIds.get(random.nextInt(recipientIds.size()));
                            store.recordEvidence(List.of(new NewEvidence("dsn:mix:" + step, "dsn", "postfix", "failed/5.1.1", "", "",
                                    Optional.of(id), Optional.empty(), "", Optional.empty(), 550, "5.1.1", "user unknown",
                                    Optional.of(Outcome.BOUNCED_HARD), "userunknown", "dsn.status", Optional.empty(), "{}")), "transactional", bounce);
                        }
                    }
                    case 8 -> { // suppress an address, or remove its entry (held mail is released)
                        String a = addresses[random.nextInt(addresses.length)];
                        if (random.nextBoolean()) {
                            store.suppress(new Suppression(a, "transactional", "userunknown", "suppress.hard.userunknown", clock.instant(),
                                    Optional.empty(), ""));
                        } else {
                            store.removeSuppression(a, "transactional", "test", "mix", true, Duration.ofHours(1));
                        }
                    }
                    default -> { // time passes (leases expire and are taken over); now and then a node restarts
                        clock.advance(Duration.ofSeconds(random.nextInt(50)));
                        if (random.nextInt(4) == 0) {
                            store.releaseLeases("n2");
                            held.removeIf(c -> c.lease().owner().equals("n2"));
                        }
                    }
                }
                assertFiguresMatchTheRows(store, "step " + step + " (op " + op + ")");
            }
            // nothing is stuck behind a bound: once every due time and lease has passed, claims take all waiting work
            clock.advance(Duration.ofDays(1));
            for (int round = 0; round < 100; round++) {
                List<Claim> claims = store.claimDue("final", 1000, Duration.ofSeconds(60));
                if (claims.isEmpty()) break;
                store.recordAttempts(claims.stream().map(this::delivered).toList(), new RecordingDecider());
                assertFiguresMatchTheRows(store, "drain round " + round);
            }
            assertThat(store.queueStats().depth()).as("every waiting recipient was claimed and delivered").isZero();
            assertThat(store.queueBreakdown().byState().get(RecipientState.DELIVERED)).isPositive();
        }
    }

    /**
     * The writer's figures against the rows: recipients per state equal a {@code COUNT(*)}; every domain with waiting
     * work has a bound, and (unless its last claim found it full, when only a lease's end or a freed slot opens it) a
     * bound no later than the earliest moment a claim could take some of it.
     */
    private void assertFiguresMatchTheRows(Store store, String when) {
        Database db = (Database) store;
        java.util.Map<RecipientState, Long> recount = new java.util.EnumMap<>(RecipientState.class);
        for (RecipientState st : RecipientState.values()) recount.put(st, 0L);
        List<String> late = new ArrayList<>();
        db.read(c -> {
            try (var ps = c.prepareStatement("SELECT state, COUNT(*) FROM recipients GROUP BY state"); var rs = ps.executeQuery()) {
                while (rs.next()) recount.put(RecipientState.valueOf(rs.getString(1)), rs.getLong(2));
            }
            try (var ps = c.prepareStatement("""
                    SELECT r.domain, MIN(CASE WHEN r.lease_owner IS NULL OR r.lease_expires_at <= r.next_attempt_at THEN r.next_attempt_at
                                              ELSE r.lease_expires_at END), q.next_due_at, q.full_at_claim
                    FROM recipients r LEFT JOIN queue_domains q ON q.domain = r.domain
                    WHERE r.next_attempt_at IS NOT NULL GROUP BY r.domain, q.next_due_at, q.full_at_claim
                    """)) {
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long earliest = rs.getLong(2);
                        long bound = rs.getLong(3);
                        boolean noBound = rs.wasNull();
                        if (noBound || (rs.getInt(4) == 0 && bound > earliest))
                            late.add(rs.getString(1) + ": bound " + (noBound ? "none" : bound) + ", claimable from " + earliest);
                    }
                }
            }
            return null;
        });
        assertThat(store.queueBreakdown().byState()).as("counts at %s", when).isEqualTo(recount);
        assertThat(late).as("domains whose bound is later than their work at %s", when).isEmpty();
    }
}
