package dev.rebound.server.delivery;

import dev.rebound.server.config.HostPort;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.tls.TlsMode;
import dev.rebound.server.testing.FakeDns;
import dev.rebound.server.testing.FakeMx;
import dev.rebound.server.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Transcript tests of the SMTP client and the delivery agent on real sockets against FakeMx and FakeDns. */
class SmtpDeliveryAgentTest {
    private static final Instant T0 = Instant.parse("2026-11-23T01:00:00Z");
    private static final byte[] MESSAGE = "From: s@sender.test\r\nTo: a@x.test\r\nMessage-ID: <m1@sender.test>\r\nSubject: hi\r\n\r\nhello\r\n"
            .getBytes(StandardCharsets.UTF_8);

    private final FakeMx mx = FakeMx.start();
    private final FakeDns dns = FakeDns.start();
    private final MutableClock clock = new MutableClock(T0);
    private SmtpDeliveryAgent agent;

    @AfterEach
    void close() {
        if (agent != null) agent.close();
        mx.close();
        dns.close();
    }

    private DeliveryConfig base() {
        return DeliveryConfig.defaults().withHeloName("rebound.test")
                .withTimeouts(DeliveryConfig.Timeouts.uniform(Duration.ofSeconds(5)))
                .withDns(List.of(dns.address()), Duration.ofMillis(400))
                .withSmtpPort(mx.port());
    }

    /** Agent routing x.test straight to the fake MX. */
    private SmtpDeliveryAgent routed(DeliveryConfig c) {
        agent = new SmtpDeliveryAgent(c.withRoutes(Map.of("x.test", new HostPort("127.0.0.1", mx.port()))), clock);
        return agent;
    }

    private SmtpDeliveryAgent viaDns(DeliveryConfig c) {
        agent = new SmtpDeliveryAgent(c, clock);
        return agent;
    }

    private static DeliveryRequest request(String domain, byte[] content, String... rcpts) {
        return new DeliveryRequest("msg-1", "s@sender.test", List.of(rcpts), domain, content);
    }

    private static String summary(RecipientResult r) {
        return r.recipient() + " " + r.phase() + " " + r.reply().code() + " "
                + r.reply().enhanced().map(Object::toString).orElse("-") + (r.local() ? " local" : "");
    }

    @Nested
    class Transaction {
        private void scriptMixedRcpts() {
            mx.script().reply("RCPT TO:<a@x.test>", "550 5.1.1 <a@x.test>: no such user")
                    .reply("RCPT#2", "452 4.2.2 <b@x.test>: mailbox full");
        }

        @Test
        void perRecipientRepliesWithPipelining() {
            scriptMixedRcpts();
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test", "c@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test RCPT 550 5.1.1", "b@x.test RCPT 452 4.2.2", "c@x.test END_OF_DATA 250 2.0.0");
            assertThat(results.getFirst().reply().text()).isEqualTo("5.1.1 <a@x.test>: no such user");
            assertThat(results).allSatisfy(r -> {
                assertThat(r.mxHost()).isEqualTo("127.0.0.1");
                assertThat(r.mxAddress()).isEqualTo("127.0.0.1");
                assertThat(r.startedAt()).isEqualTo(T0);
            });
            assertThat(mx.received()).singleElement().satisfies(m -> {
                assertThat(m.recipients()).containsExactly("c@x.test");
                assertThat(m.mailFrom()).isEqualTo("s@sender.test");
                assertThat(m.messageId()).contains("<m1@sender.test>");
            });
            // MAIL, 3 RCPT and DATA in one write: the server found input waiting at 4 of its 5 replies
            assertThat(mx.pipelinedCommands()).isEqualTo(4);
            assertThat(mx.transcript()).containsSubsequence("C: EHLO rebound.test",
                    "C: MAIL FROM:<s@sender.test> SIZE=" + (MESSAGE.length) , "C: RCPT TO:<a@x.test>",
                    "C: RCPT TO:<b@x.test>", "C: RCPT TO:<c@x.test>", "C: DATA", "S: 354 end data with <CR><LF>.<CR><LF>");
        }

        @Test
        void perRecipientRepliesWithoutPipelining() {
            scriptMixedRcpts();
            mx.script().without("PIPELINING");
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test", "c@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test RCPT 550 5.1.1", "b@x.test RCPT 452 4.2.2", "c@x.test END_OF_DATA 250 2.0.0");
            assertThat(mx.pipelinedCommands()).isZero();
            assertThat(mx.received()).hasSize(1);
        }

        @Test
        void endOfDataFailureGoesToAcceptedRecipientsOnly() {
            scriptMixedRcpts();
            mx.script().reply("RCPT TO:<d@x.test>", "250 2.1.5 ok").reply(".", "451 4.3.0 temporary failure, try later");
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test", "c@x.test", "d@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test RCPT 550 5.1.1", "b@x.test RCPT 452 4.2.2",
                    "c@x.test END_OF_DATA 451 4.3.0", "d@x.test END_OF_DATA 451 4.3.0");
            assertThat(mx.received()).isEmpty();
            assertThat(mx.receivedAll()).singleElement().satisfies(m -> assertThat(m.recipients()).containsExactly("c@x.test", "d@x.test"));
        }

        @Test
        void mailRejectedDecidesForEveryRecipient() {
            mx.script().reply("MAIL", "550 5.7.1 sender address rejected");
            List<RecipientResult> results = routed(base().withTimeouts(DeliveryConfig.Timeouts.uniform(Duration.ofSeconds(5))))
                    .deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test MAIL 550 5.7.1", "b@x.test MAIL 550 5.7.1");
            assertThat(mx.receivedAll()).isEmpty();
        }

        @Test
        void dataRejectedDecidesForAcceptedRecipients() {
            mx.script().reply("RCPT#1", "550 5.1.1 unknown").reply("DATA", "554 5.7.1 message refused");
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test RCPT 550 5.1.1", "b@x.test DATA 554 5.7.1");
        }

        @Test
        void connectionDroppedAfterRcptDefersPendingRecipientsWithSyntheticReply() {
            mx.script().reply("RCPT#1", "550 5.1.1 unknown").drop("DATA");
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test RCPT 550 5.1.1", "b@x.test DATA 421 4.4.2 local");
            assertThat(results.get(1).reply().text()).contains("lost in the data phase");
            assertThat(mx.connections()).isEqualTo(1); // decided: no second host, no retry here
        }

        @Test
        void replyTimeoutIsSynthesisedAsTransient() {
            mx.script().delay("RCPT", Duration.ofSeconds(3));
            List<RecipientResult> results = routed(base().withTimeouts(DeliveryConfig.Timeouts.uniform(Duration.ofMillis(300))))
                    .deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@x.test RCPT 421 4.4.2 local");
            assertThat(results.getFirst().reply().text()).contains("did not answer within 300 ms");
        }

        @Test
        void writeTimeoutWhenTheServerStopsReadingData() {
            mx.script().stallAfter("DATA").maxSize(256L * 1024 * 1024);
            byte[] big = new byte[32 * 1024 * 1024]; // far more than the loopback socket buffers hold
            java.util.Arrays.fill(big, (byte) 'x');
            for (int i = 998; i < big.length; i += 1000) big[i] = '\n';
            List<RecipientResult> results = routed(base().withTimeouts(DeliveryConfig.Timeouts.uniform(Duration.ofMillis(500))))
                    .deliver(request("x.test", big, "a@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@x.test END_OF_DATA 421 4.4.2 local");
            assertThat(results.getFirst().reply().text()).contains("did not accept data for 500 ms");
        }

        @Test
        void dotStuffingAndLineEndingsOnTheWire() {
            byte[] content = "Subject: dots\n\n.hello\r\nbare\rcr\n..two\n.\nend".getBytes(StandardCharsets.UTF_8);
            List<RecipientResult> results = routed(base()).deliver(request("x.test", content, "a@x.test"));
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            FakeMx.Received m = mx.received().getFirst();
            assertThat(new String(m.wire(), StandardCharsets.UTF_8))
                    .isEqualTo("Subject: dots\r\n\r\n..hello\r\nbare\r\ncr\r\n...two\r\n..\r\nend\r\n");
            assertThat(m.text()).isEqualTo("Subject: dots\r\n\r\n.hello\r\nbare\r\ncr\r\n..two\r\n.\r\nend\r\n");
        }

        @Test
        void sizeLimitIsRespectedLocally() {
            mx.script().maxSize(50);
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@x.test MAIL 552 5.3.4 local");
            assertThat(mx.transcript()).noneMatch(l -> l.startsWith("C: MAIL"));
        }

        @Test
        void addressesThatCouldInjectCommandsAreNeverSent() {
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test>\r\nRSET"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test END_OF_DATA 250 2.0.0", "b@x.test>\r\nRSET RCPT 553 5.1.3 local");
            assertThat(mx.transcript()).noneMatch(l -> l.contains("RSET"));
        }

        @Test
        void nonAsciiRecipientNeedsSmtpUtf8() {
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test", "jörg@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@x.test END_OF_DATA 250 2.0.0", "jörg@x.test RCPT 553 5.6.7 local");
            assertThat(mx.transcript()).noneMatch(l -> l.contains("jörg"));
        }

        @Test
        void nonAsciiRecipientIsSentWithSmtpUtf8WhenOffered() {
            mx.script().extensions("PIPELINING", "SMTPUTF8");
            List<RecipientResult> again = routed(base()).deliver(request("x.test", MESSAGE, "jörg@x.test"));
            assertThat(again.getFirst().reply().code()).isEqualTo(250);
            assertThat(mx.transcript()).contains("C: MAIL FROM:<s@sender.test> SMTPUTF8", "C: RCPT TO:<jörg@x.test>");
        }

        @Test
        void recipientsBeyondTheLimitGoInASecondTransaction() {
            List<RecipientResult> results = routed(base().withMaxRecipientsPerTransaction(2))
                    .deliver(request("x.test", MESSAGE, "a@x.test", "b@x.test", "c@x.test"));
            assertThat(results).allSatisfy(r -> assertThat(r.reply().code()).isEqualTo(250));
            assertThat(mx.received()).extracting(FakeMx.Received::recipients)
                    .containsExactly(List.of("a@x.test", "b@x.test"), List.of("c@x.test"));
            assertThat(mx.connections()).isEqualTo(1);
        }
    }

    @Nested
    class Session {
        @Test
        void heloFallbackWhenEhloIsRefused() {
            mx.script().reply("EHLO", "502 5.5.2 command not implemented");
            List<RecipientResult> results = routed(base()).deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(mx.transcript()).containsSubsequence("C: EHLO rebound.test", "S: 502 5.5.2 command not implemented",
                    "C: HELO rebound.test", "C: MAIL FROM:<s@sender.test>");
            assertThat(mx.pipelinedCommands()).isZero(); // no EHLO, no extensions
        }

        @Test
        void startTlsWhenOfferedWithoutVerification() {
            mx.script().tls(FakeMx.selfSignedTls());
            List<RecipientResult> results = routed(base().withTls(TlsMode.OPPORTUNISTIC))
                    .deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(mx.received().getFirst().tls()).isTrue();
            assertThat(mx.transcript()).containsSubsequence("C: EHLO rebound.test", "C: STARTTLS", "S: 220 2.0.0 ready to start TLS",
                    "C: EHLO rebound.test", "C: MAIL FROM:<s@sender.test> SIZE=" + MESSAGE.length);
        }

        @Test
        void tlsVerificationFailureIsTransient() {
            mx.script().tls(FakeMx.selfSignedTls());
            List<RecipientResult> results = routed(base().withTls(TlsMode.VERIFY))
                    .deliver(request("x.test", MESSAGE, "a@x.test"));
            // the handshake completes (the certificate is observed), then the decision refuses the session
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@x.test STARTTLS 451 4.7.5 local");
            assertThat(results.getFirst().tls()).hasValueSatisfying(d -> assertThat(d.rule()).isEqualTo("tls.verify.unverified"));
            assertThat(mx.receivedAll()).isEmpty();
            assertThat(mx.transcript()).doesNotContain("C: MAIL FROM:<s@sender.test> SIZE=" + MESSAGE.length);
        }

        @Test
        void failedOpportunisticHandshakeFallsBackToPlainText() {
            // STARTTLS advertised and accepted with 220, then the server hangs up: the handshake fails
            mx.script().extensions("PIPELINING", "STARTTLS").reply("STARTTLS", "220 2.0.0 go ahead").dropAfter("STARTTLS");
            List<RecipientResult> results = routed(base().withTls(TlsMode.OPPORTUNISTIC))
                    .deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@x.test END_OF_DATA 250 2.0.0");
            assertThat(mx.connections()).isEqualTo(2);
            assertThat(mx.received()).singleElement().satisfies(m -> {
                assertThat(m.tls()).isFalse();
                assertThat(m.connection()).isEqualTo(2);
            });
        }

        @Test
        void tlsModeNoneNeverStartsTls() {
            mx.script().tls(FakeMx.selfSignedTls());
            routed(base().withTls(TlsMode.NONE)).deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(mx.received().getFirst().tls()).isFalse();
            assertThat(mx.transcript()).doesNotContain("C: STARTTLS");
        }

        @Test
        void connectionIsReusedForTheNextMessageAfterRset() {
            SmtpDeliveryAgent a = routed(base());
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(a.idleConnections()).isEqualTo(1);
            a.deliver(request("x.test", MESSAGE, "b@x.test"));
            assertThat(mx.connections()).isEqualTo(1);
            assertThat(mx.received()).extracting(FakeMx.Received::connection).containsExactly(1, 1);
            assertThat(mx.transcript()).containsSubsequence("C: RCPT TO:<a@x.test>", "C: RSET", "S: 250 2.0.0 ok", "C: RCPT TO:<b@x.test>");
        }

        @Test
        void reusedConnectionPipelinesItsRsetWithMail() {
            SmtpDeliveryAgent a = routed(base());
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            assertThat(mx.pipelinedCommands()).isEqualTo(2); // MAIL, RCPT, DATA in one write
            a.deliver(request("x.test", MESSAGE, "b@x.test"));
            // RSET, MAIL, RCPT, DATA in one write: input was waiting at the replies to RSET, MAIL and RCPT
            assertThat(mx.pipelinedCommands()).isEqualTo(5);
            assertThat(mx.received()).extracting(FakeMx.Received::connection).containsExactly(1, 1);
            assertThat(mx.transcript()).containsSubsequence("C: DATA", "C: RSET", "S: 250 2.0.0 ok",
                    "C: MAIL FROM:<s@sender.test> SIZE=" + MESSAGE.length, "C: RCPT TO:<b@x.test>", "C: DATA");
        }

        @Test
        void reusedConnectionWithoutPipeliningWaitsForItsRset() {
            mx.script().without("PIPELINING");
            SmtpDeliveryAgent a = routed(base());
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            a.deliver(request("x.test", MESSAGE, "b@x.test"));
            assertThat(mx.pipelinedCommands()).isZero();
            assertThat(mx.received()).extracting(FakeMx.Received::connection).containsExactly(1, 1);
            assertThat(mx.transcript()).containsSubsequence("C: RSET", "S: 250 2.0.0 ok", "C: MAIL FROM:<s@sender.test> SIZE=" + MESSAGE.length);
        }

        @Test
        void refusedPipelinedRsetRetriesOnAFreshConnectionAndDeliversOnce() {
            SmtpDeliveryAgent a = routed(base());
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            mx.script().replyOnce("RSET", "421 4.3.2 shutting down");
            List<RecipientResult> second = a.deliver(request("x.test", MESSAGE, "b@x.test"));
            assertThat(second).extracting(SmtpDeliveryAgentTest::summary).containsExactly("b@x.test END_OF_DATA 250 2.0.0");
            // the MAIL/RCPT/DATA pipelined behind the refused RSET never got their data: one message per delivery
            assertThat(mx.received()).extracting(FakeMx.Received::connection).containsExactly(1, 2);
            assertThat(a.idleConnections()).isEqualTo(1);
        }

        @Test
        void idleConnectionExpiresAfterMaxIdleTime() {
            SmtpDeliveryAgent a = routed(base().withPool(2, Duration.ofSeconds(30)));
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            clock.advance(Duration.ofSeconds(31));
            a.deliver(request("x.test", MESSAGE, "b@x.test"));
            assertThat(mx.received()).extracting(FakeMx.Received::connection).containsExactly(1, 2);
            assertThat(mx.transcript()).containsSubsequence("-- connect 1", "C: QUIT", "-- connect 2");
        }

        @Test
        void staleConnectionIsReplacedWhenRsetFails() {
            SmtpDeliveryAgent a = routed(base());
            mx.script().dropOnce("RSET");
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            List<RecipientResult> second = a.deliver(request("x.test", MESSAGE, "b@x.test"));
            assertThat(second.getFirst().reply().code()).isEqualTo(250);
            assertThat(mx.received()).extracting(FakeMx.Received::connection).containsExactly(1, 2);
        }

        @Test
        void parallelDeliveriesEachGetTheirResultAndThePoolStaysBounded() throws Exception {
            SmtpDeliveryAgent a = routed(base().withPool(2, Duration.ofSeconds(30)));
            int n = 20;
            List<java.util.concurrent.Future<List<RecipientResult>>> futures = new java.util.ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    String rcpt = "r" + i + "@x.test";
                    futures.add(pool.submit(() -> a.deliver(request("x.test", MESSAGE, rcpt))));
                }
                for (int i = 0; i < n; i++) {
                    assertThat(futures.get(i).get()).extracting(SmtpDeliveryAgentTest::summary)
                            .containsExactly("r" + i + "@x.test END_OF_DATA 250 2.0.0");
                }
            }
            assertThat(mx.received()).hasSize(n);
            assertThat(mx.connections()).isLessThanOrEqualTo(n);
            assertThat(a.idleConnections()).isBetween(1, 2);
        }

        @Test
        void closeSendsQuitOnIdleConnections() {
            SmtpDeliveryAgent a = routed(base());
            a.deliver(request("x.test", MESSAGE, "a@x.test"));
            a.close();
            agent = null;
            assertThat(mx.transcript()).contains("C: QUIT", "S: 221 2.0.0 bye");
        }
    }

    @Nested
    class Routing {
        @Test
        void mxByPreferenceLowestFirst() {
            dns.mx("mx.test", 20, "backup.mx.test").mx("mx.test", 10, "primary.mx.test")
                    .a("backup.mx.test", "127.0.0.1").a("primary.mx.test", "127.0.0.1");
            List<RecipientResult> results = viaDns(base()).deliver(request("mx.test", MESSAGE, "a@mx.test"));
            assertThat(results.getFirst().mxHost()).isEqualTo("primary.mx.test");
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(mx.connections()).isEqualTo(1);
        }

        @Test
        void secondMxWhenTheFirstRefusesTheConnection() {
            // 127.0.0.2 is loopback too, but nothing listens there on the fake MX port: connection refused
            dns.mx("mx.test", 10, "down.mx.test").mx("mx.test", 20, "up.mx.test")
                    .a("down.mx.test", "127.0.0.2").a("up.mx.test", "127.0.0.1");
            List<RecipientResult> results = viaDns(base()).deliver(request("mx.test", MESSAGE, "a@mx.test"));
            assertThat(results.getFirst().mxHost()).isEqualTo("up.mx.test");
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
        }

        @Test
        void transientGreetingMovesToTheNextMx() {
            dns.mx("mx.test", 10, "one.mx.test").mx("mx.test", 20, "two.mx.test")
                    .a("one.mx.test", "127.0.0.1").a("two.mx.test", "127.0.0.1");
            mx.script().reply("CONNECT#1", "421 4.3.2 too busy");
            List<RecipientResult> results = viaDns(base()).deliver(request("mx.test", MESSAGE, "a@mx.test"));
            assertThat(results.getFirst().mxHost()).isEqualTo("two.mx.test");
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(mx.connections()).isEqualTo(2);
        }

        @Test
        void connectionLostBeforeAnyRcptMovesToTheNextMx() {
            dns.mx("mx.test", 10, "one.mx.test").mx("mx.test", 20, "two.mx.test")
                    .a("one.mx.test", "127.0.0.1").a("two.mx.test", "127.0.0.1");
            mx.script().dropOnce("MAIL");
            List<RecipientResult> results = viaDns(base()).deliver(request("mx.test", MESSAGE, "a@mx.test"));
            assertThat(results.getFirst().mxHost()).isEqualTo("two.mx.test");
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
        }

        @Test
        void permanentGreetingIsFinal() {
            dns.mx("mx.test", 10, "one.mx.test").mx("mx.test", 20, "two.mx.test")
                    .a("one.mx.test", "127.0.0.1").a("two.mx.test", "127.0.0.1");
            mx.script().reply("CONNECT", "554 5.7.1 you are not welcome");
            List<RecipientResult> results = viaDns(base()).deliver(request("mx.test", MESSAGE, "a@mx.test", "b@mx.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly(
                    "a@mx.test CONNECT 554 5.7.1", "b@mx.test CONNECT 554 5.7.1");
            assertThat(results.getFirst().mxHost()).isEqualTo("one.mx.test");
            assertThat(mx.connections()).isEqualTo(1);
        }

        @Test
        void allMxDownGivesTheLastConnectFailure() {
            int closedPort;
            try (FakeMx gone = FakeMx.start()) {
                closedPort = gone.port();
            }
            dns.mx("mx.test", 10, "one.mx.test").mx("mx.test", 20, "two.mx.test")
                    .a("one.mx.test", "127.0.0.1").a("two.mx.test", "127.0.0.1");
            List<RecipientResult> results = viaDns(base().withSmtpPort(closedPort)).deliver(request("mx.test", MESSAGE, "a@mx.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@mx.test CONNECT 421 4.4.1 local");
            assertThat(results.getFirst().mxHost()).isEqualTo("two.mx.test");
            assertThat(results.getFirst().reply().text()).contains("cannot connect to two.mx.test[127.0.0.1]:" + closedPort);
        }

        @Test
        void atMostTenAddressesAreTriedPerAttempt() {
            for (int i = 1; i <= SmtpDeliveryAgent.MAX_ADDRESSES_PER_ATTEMPT; i++) {
                dns.mx("many.test", i, "down" + i + ".many.test").a("down" + i + ".many.test", "127.0.0.2");
            }
            dns.mx("many.test", 99, "up.many.test").a("up.many.test", "127.0.0.1");
            List<RecipientResult> results = viaDns(base()).deliver(request("many.test", MESSAGE, "a@many.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@many.test CONNECT 421 4.4.1 local");
            assertThat(results.getFirst().mxHost()).isEqualTo("down10.many.test");
            assertThat(mx.connections()).isZero();
        }

        @Test
        void nxdomainIsHostUnknown() {
            List<RecipientResult> results = viaDns(base()).deliver(request("nowhere.test", MESSAGE, "a@nowhere.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@nowhere.test NONE 550 5.1.2 local");
            assertThat(results.getFirst().mxHost()).isEmpty();
            // no implicit MX after NXDOMAIN; the MTA-STS TXT record is asked alongside the MX records (asynchronously:
            // after NXDOMAIN nothing waits for its answer, so it may reach the DNS server after deliver() returned)
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> dns.queries().contains("_mta-sts.nowhere.test. TXT"));
            assertThat(dns.queries()).containsExactlyInAnyOrder("nowhere.test. MX", "_mta-sts.nowhere.test. TXT");
        }

        @Test
        void nodataUsesTheImplicitMx() {
            dns.a("implicit.test", "127.0.0.1");
            List<RecipientResult> results = viaDns(base()).deliver(request("implicit.test", MESSAGE, "a@implicit.test"));
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(results.getFirst().mxHost()).isEqualTo("implicit.test");
        }

        @Test
        void nodataWithoutAddressIsHostUnknown() {
            dns.nodata("empty.test");
            List<RecipientResult> results = viaDns(base()).deliver(request("empty.test", MESSAGE, "a@empty.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@empty.test NONE 550 5.1.2 local");
        }

        @Test
        void nullMxIsNotAccept() {
            dns.nullMx("nomail.test").a("nomail.test", "127.0.0.1");
            List<RecipientResult> results = viaDns(base()).deliver(request("nomail.test", MESSAGE, "a@nomail.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@nomail.test NONE 556 5.1.10 local");
            assertThat(mx.connections()).isZero();
        }

        @Test
        void servfailIsDeferred() {
            dns.servfail("broken.test");
            List<RecipientResult> results = viaDns(base()).deliver(request("broken.test", MESSAGE, "a@broken.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@broken.test NONE 451 4.4.3 local");
        }

        @Test
        void dnsTimeoutIsDeferred() {
            dns.noAnswer("slow.test");
            List<RecipientResult> results = viaDns(base()).deliver(request("slow.test", MESSAGE, "a@slow.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@slow.test NONE 451 4.4.3 local");
        }

        @Test
        void mxHostsWithoutAddressesAreUnroutable() {
            dns.mx("dangling.test", 10, "gone.dangling.test");
            List<RecipientResult> results = viaDns(base()).deliver(request("dangling.test", MESSAGE, "a@dangling.test"));
            assertThat(results).extracting(SmtpDeliveryAgentTest::summary).containsExactly("a@dangling.test NONE 550 5.4.4 local");
        }

        @Test
        void routeByHostNameResolvesFromTheHostsFile() {
            agent = new SmtpDeliveryAgent(base().withRoutes(Map.of("r.test", new HostPort("localhost", mx.port()))), clock);
            List<RecipientResult> results = agent.deliver(request("r.test", MESSAGE, "a@r.test"));
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(results.getFirst().mxHost()).isEqualTo("localhost");
            assertThat(dns.queries()).doesNotContain("localhost. A"); // answered by /etc/hosts
        }

        @Test
        void relayBypassesMxLookup() {
            agent = new SmtpDeliveryAgent(base().withRelay(Optional.of(new HostPort("127.0.0.1", mx.port()))), clock);
            List<RecipientResult> results = agent.deliver(request("anything.test", MESSAGE, "a@anything.test"));
            assertThat(results.getFirst().reply().code()).isEqualTo(250);
            assertThat(dns.queries()).isEmpty();
        }
    }
}
