package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.classify.Outcome;
import dev.rebound.core.classify.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BounceParserTest {
    private static final Path DEV = Path.of(System.getProperty("rebound.shared.dir", "../../shared"), "corpus", "dev");

    private static BounceResult parse(String s) {
        return BounceParser.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    private static final String DSN = """
            From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
            To: sender@example.org
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="B"

            --B
            Content-Type: text/plain

            This is the mail system at host mx.example.net.

            --B
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net
            Original-Envelope-Id: ENV-42
            Arrival-Date: Mon, 23 Nov 2026 01:00:00 +0000

            Final-Recipient: rfc822; gone@example.com
            Original-Recipient: rfc822; Gone@Example.com
            Action: failed
            Status: 5.1.1
            Remote-MTA: dns; mx.example.com
            Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown

            Final-Recipient: rfc822; full@example.com
            Action: failed
            Status: 5.2.2
            Diagnostic-Code: smtp; 552 5.2.2 Mailbox full

            --B
            Content-Type: text/rfc822-headers

            From: sender@example.org
            To: gone@example.com
            Subject: Your receipt
            Message-ID: <m1@example.org>

            --B--
            """;

    @Test
    void rfc3464ReportGivesOneRecordPerRecipientWithTheFieldsAndTheReturnedHeaders() {
        BounceResult r = parse(DSN);
        assertThat(r).isInstanceOf(BounceResult.Bounces.class);
        assertThat(r.records()).hasSize(2);
        BounceRecord gone = r.records().get(0);
        assertThat(gone.recipient()).isEqualTo("gone@example.com");
        assertThat(gone.action()).isEqualTo("failed");
        assertThat(gone.status()).isEqualTo("5.1.1");
        assertThat(gone.replyCode()).isEqualTo("550");
        assertThat(gone.diagnosticType()).isEqualTo("smtp");
        assertThat(gone.remoteMta()).isEqualTo("mx.example.com");
        assertThat(gone.reportingMta()).isEqualTo("mx.example.net");
        assertThat(gone.envelopeId()).isEqualTo("ENV-42");
        assertThat(gone.arrivalDate()).startsWith("Mon, 23 Nov 2026");
        assertThat(gone.messageId()).isEqualTo("<m1@example.org>");
        assertThat(gone.subject()).isEqualTo("Your receipt");
        assertThat(gone.decodedBy()).isEqualTo("Postfix");
        assertThat(gone.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(gone.hardBounce()).isTrue();
        assertThat(gone.outcome()).isEqualTo(Outcome.BOUNCED_HARD);
        assertThat(gone.ruleId()).isNotBlank();
        BounceRecord full = r.records().get(1);
        assertThat(full.reason()).isEqualTo(Reason.MAILBOXFULL);
        assertThat(full.hardBounce()).as("5xx mailbox full stays soft").isFalse();
        assertThat(full.outcome()).isEqualTo(Outcome.BOUNCED_SOFT);
    }

    @Test
    void internationalizedReportAndHeadersAreRead() {
        String eai = DSN.replace("message/delivery-status", "message/global-delivery-status")
                .replace("text/rfc822-headers", "message/global-headers")
                .replace("Subject: Your receipt", "Subject: Ihre Quittung für März");
        BounceRecord r = parse(eai).records().get(0);
        assertThat(r.recipient()).isEqualTo("gone@example.com");
        assertThat(r.subject()).isEqualTo("Ihre Quittung für März");
        assertThat(r.messageId()).isEqualTo("<m1@example.org>");
    }

    @Test
    void lineEndingsDoNotChangeTheResult() {
        String crlf = DSN.replace("\n", "\r\n");
        String cr = DSN.replace("\n", "\r");
        for (String v : new String[] {crlf, cr}) {
            BounceResult r = parse(v);
            assertThat(r.records()).extracting(BounceRecord::recipient, BounceRecord::status, BounceRecord::reason)
                    .containsExactlyElementsOf(parse(DSN).records().stream()
                            .map(b -> org.assertj.core.groups.Tuple.tuple(b.recipient(), b.status(), b.reason())).toList());
        }
    }

    @Test
    void delayedDsnIsDeferredNotFinal() {
        BounceResult r = parse(DSN.replace("Action: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full",
                "Action: delayed\nStatus: 4.4.1\nDiagnostic-Code: smtp; 421 4.4.1 Connection timed out"));
        BounceRecord delayed = r.records().get(1);
        assertThat(delayed.action()).isEqualTo("delayed");
        assertThat(delayed.outcome()).isEqualTo(Outcome.DEFERRED);
        assertThat(delayed.hardBounce()).isFalse();
    }

    @Test
    void arfReportIsAComplaintWithItsFeedbackType() throws Exception {
        BounceResult r = BounceParser.parse(Files.readAllBytes(DEV.resolve("arf-01.eml")));
        assertThat(r).isInstanceOf(BounceResult.Complaint.class);
        BounceRecord c = r.records().get(0);
        assertThat(c.feedbackType()).isEqualTo("abuse");
        assertThat(c.reason()).isEqualTo(Reason.FEEDBACK);
        assertThat(c.outcome()).isEqualTo(Outcome.COMPLAINT);
        assertThat(c.decodedBy()).isEqualTo("ARF");
    }

    @Test
    void vacationReplyIsAnAutoReplyNotABounce() {
        BounceResult r = parse("""
                From: Bob <bob@example.com>
                To: sender@example.org
                Subject: Out of office: Your receipt
                Auto-Submitted: auto-replied

                I am away until Monday.
                """);
        assertThat(r).isInstanceOfSatisfying(BounceResult.AutoReply.class, a -> {
            assertThat(a.responder()).isEqualTo("bob@example.com");
            assertThat(a.ruleId()).isEqualTo("dsn.autoreply.auto-submitted");
        });
        assertThat(r.records()).isEmpty();
    }

    @Test
    void ordinaryMailIsExplicitlyNotABounce() {
        BounceResult r = parse("From: alice@example.org\nTo: bob@example.com\nSubject: lunch\n\nNoon?\n");
        assertThat(r).isInstanceOf(BounceResult.NotABounce.class);
    }

    @Test
    void exim_textBounceIsReadByItsLayout() {
        BounceResult r = parse("""
                From: Mail Delivery System <Mailer-Daemon@mx.example.net>
                To: sender@example.org
                Subject: Mail delivery failed: returning message to sender
                X-Failed-Recipients: nobody@example.com

                This message was created automatically by mail delivery software.

                A message that you sent could not be delivered to one or more of its
                recipients. This is a permanent error. The following address(es) failed:

                  nobody@example.com
                    host mx.example.com [192.0.2.1]
                    SMTP error from remote mail server after RCPT TO:<nobody@example.com>:
                    550 5.1.1 No such user here

                ------ This is a copy of the message, including all the headers. ------

                From: sender@example.org
                To: nobody@example.com
                Subject: hi
                Message-ID: <x@example.org>

                hi
                """);
        assertThat(r.records()).hasSize(1);
        BounceRecord b = r.records().get(0);
        assertThat(b.recipient()).isEqualTo("nobody@example.com");
        assertThat(b.decodedBy()).isEqualTo("Exim");
        assertThat(b.status()).isEqualTo("5.1.1");
        assertThat(b.replyCode()).isEqualTo("550");
        assertThat(b.phase()).isEqualTo(dev.rebound.core.classify.SmtpPhase.RCPT);
        assertThat(b.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(b.messageId()).isEqualTo("<x@example.org>");
    }

    @Test
    void garbageNeverThrows() {
        for (String s : new String[] {"", "\0\0\0", "Content-Type: multipart/report; boundary=\"\"\n\n--\n--",
                "From: MAILER-DAEMON\n\n<@>:\n550", "Content-Type: message/delivery-status\n\nFinal-Recipient: ;\n"}) {
            assertThat(parse(s)).isNotNull();
        }
        assertThat(BounceParser.parse(null)).isInstanceOf(BounceResult.NotABounce.class);
    }
    @Test
    void anMboxOfTwoBouncesGivesTheRecordsOfBothAndABodyLineStartingWithFromDoesNotSplit() {
        String second = DSN.replace("gone@example.com", "other@example.com").replace("full@example.com", "full2@example.com");
        String mbox = "From MAILER-DAEMON  Thu Jul  2 12:05:05 2020\n" + DSN
                + "From double-bounce@mx.example.net  Thu Jul  2 12:05:06 2020\n" + second;
        BounceResult r = parse(mbox);
        assertThat(r.records()).extracting(BounceRecord::recipient)
                .containsExactly("gone@example.com", "full@example.com", "other@example.com", "full2@example.com");
        String notAPostmark = "From MAILER-DAEMON  Thu Jul  2 12:05:05 2020\n"
                + DSN.replace("This is the mail system", "From here on: This is the mail system");
        assertThat(BounceParser.mboxMessages(notAPostmark.getBytes(StandardCharsets.UTF_8))).hasSize(1);
        assertThat(parse(notAPostmark).records()).hasSize(2);
    }
    @Test
    void aMailingListRefusingANonMembersPostIsOneRejectedRecordAndOrdinaryListMailIsNotABounce() {
        String refusal = """
                From: list-admin@lists.example.org
                To: poster@example.com
                Subject: Your post to announce@lists.example.org
                List-Id: <announce.lists.example.org>
                X-MLServer: some list manager

                You are not a member of this mailing list <announce@lists.example.org>.
                Please subscribe first.
                """;
        BounceResult r = parse(refusal);
        assertThat(r).isInstanceOf(BounceResult.Bounces.class);
        BounceRecord rec = r.records().get(0);
        assertThat(rec.recipient()).isEqualTo("announce@lists.example.org");
        assertThat(rec.reason()).isEqualTo(Reason.REJECTED);
        assertThat(rec.ruleId()).isEqualTo("dsn.rejected.not-a-list-member");
        assertThat(rec.hardBounce()).isFalse();
        String digest = refusal.replace("You are not a member of this mailing list", "Welcome to the mailing list");
        assertThat(parse(digest)).isInstanceOf(BounceResult.NotABounce.class);
    }

    private static BounceRecord single(String status, String diag) {
        String one = DSN.replace("Status: 5.1.1\n", "Status: " + status + "\n")
                .replace("550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown", diag);
        return parse(one).records().get(0);
    }

    @Test
    void sendersOwnDailyQuotaIsARateLimitNotAFullMailbox() {
        // Gmail SMTP error reference (support.google.com/a/answer/3726730): 550 5.4.5 Daily user sending quota exceeded.
        BounceRecord r = single("5.4.5", "550 5.4.5 Daily user sending quota exceeded.");
        assertThat(r.reason()).isEqualTo(Reason.SPEEDING);
        assertThat(r.hardBounce()).isFalse();
        // ...while the recipient's own quota still is a full mailbox (Postfix/Dovecot LMTP wording).
        assertThat(single("5.2.2", "552 5.2.2 <gone@example.com>: user quota exceeded").reason()).isEqualTo(Reason.MAILBOXFULL);
    }

    @Test
    void mailboxNotFoundIsTheAddressGoneWhateverThePhase() {
        // RFC 5321 4.2.3 text for 550 as Yahoo/AOL and many MTAs write it: "Requested mail action aborted, mailbox not found".
        BounceRecord r = single("5.0.0", "552 1 Requested mail action aborted, mailbox not found");
        assertThat(r.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(r.hardBounce()).isTrue();
    }

    @Test
    void directoryHarvestDefenceBlocksTheSenderAndJudgesNoMailbox() {
        // Yahoo Sender Hub error codes: TSS11.
        BounceRecord r = single("4.7.0", "421 4.7.0 [TSS11] Excessive unknown recipients - possible Directory Harvest Attack");
        assertThat(r.reason()).isEqualTo(Reason.BLOCKED);
        assertThat(r.hardBounce()).isFalse();
    }

    @Test
    void postfixHeloRestrictionRefusesTheSendingHost() {
        // Postfix SMTPD_ACCESS_README, reject_non_fqdn_helo_hostname: "504 5.5.2 <name>: Helo command rejected: need
        // fully-qualified hostname" is about our host's identity, not a protocol syntax error.
        BounceRecord r = single("5.5.2", "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname");
        assertThat(r.reason()).isEqualTo(Reason.BLOCKED);
    }

    @Test
    void mxLookupThatFindsNoSuchDomainIsHostUnknownNotNotAccept() {
        // Postfix smtp(8) for an NXDOMAIN recipient domain (postfix.org: "Host or domain name not found").
        BounceRecord gone = single("5.4.4", "Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found");
        assertThat(gone.reason()).isEqualTo(Reason.HOSTUNKNOWN);
        assertThat(gone.hardBounce()).isTrue();
        // A broken answer for the MX query still says the domain publishes no usable mail exchanger.
        BounceRecord broken = single("5.4.4", "Name service error for name=example.org type=MX: Malformed or unexpected name server reply");
        assertThat(broken.reason()).isEqualTo(Reason.NOTACCEPT);
    }

    @Test
    void aDnsblLookupLinkNamesTheListThatBlocked() {
        // Exim/Postfix DNSBL ACL message with the list's lookup URL (spamhaus.org "query/ip" links).
        BounceRecord r = single("5.7.1", "550 5.7.1 Mail from 192.0.2.1 refused - see https://www.spamhaus.org/query/ip/192.0.2.1");
        assertThat(r.reason()).isEqualTo(Reason.BLOCKED);
        assertThat(BounceParser.ruleText("smtp", "see https://www.spamhaus.org/query/ip/192.0.2.1?x=1 now"))
                .isEqualTo("see <url> www.spamhaus.org  now");
    }

    @Test
    void sesSuppressionListIsSuppressedNotUserUnknown() {
        BounceRecord r = single("5.1.1", "Amazon SES has suppressed sending to this address because it has a recent history of "
                + "bouncing as an invalid address.");
        assertThat(r.reason()).isEqualTo(Reason.SUPPRESSED);
    }

    @Test
    void docomoUnknownUserAfterDataIsTheReceptionSettingsRefusingTheSender() {
        // NTT docomo's MX answers "550 Unknown user" after DATA when the subscriber's reception settings refuse the
        // sender (docomo's "受信拒否設定" help pages); the same words at RCPT TO remain an unknown mailbox.
        String data = DSN.replace("Status: 5.1.1\n", "Status: 5.0.0\n")
                .replace("Remote-MTA: dns; mx.example.com", "Remote-MTA: dns; mfsmax.docomo.ne.jp")
                .replace("550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown",
                        "550 Unknown user gone@example.com (in reply to end of DATA command)");
        BounceRecord r = parse(data).records().get(0);
        assertThat(r.reason()).isEqualTo(Reason.REJECTED);
        assertThat(r.ruleId()).isEqualTo("dsn.rejected.docomo-reception-settings");
        assertThat(r.hardBounce()).isFalse();
        BounceRecord rcpt = parse(data.replace("end of DATA command", "RCPT TO command")).records().get(0);
        assertThat(rcpt.reason()).isEqualTo(Reason.USERUNKNOWN);
    }

    @Test
    void userUnknownNamingTheRecipientAddressIsARecipientCheck() {
        // "<rcpt>: User unknown" is the form of a recipient lookup answering RCPT TO (Postfix local_recipient_maps,
        // relayed as-is by Yahoo's and qmail's bounces); without the address or a phase, a bare "User unknown"
        // still says the mailbox does not exist: the words decide (issue 16; Sisimai v5 says filtered here).
        BounceRecord named = single("5.0.0", "550: <gone@example.com>: User unknown");
        assertThat(named.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(named.hardBounce()).isTrue();
        BounceRecord bare = single("5.0.0", "550 : User unknown");
        assertThat(bare.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(bare.ruleId()).isEqualTo(BounceRules.WORDS_RULE);
        assertThat(single("5.0.0", "550 Recipient rejected").reason()).isEqualTo(Reason.FILTERED);
    }

    private static String postfixDsn(String status, String diag, String humanLine) {
        return """
                From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
                To: sender@example.org
                Subject: Undelivered Mail Returned to Sender
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="B"

                --B
                Content-Type: text/plain

                This is the mail system at host mx.example.net.

                %s

                --B
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.net

                Final-Recipient: rfc822; rcpt@example.com
                Action: failed
                Status: %s
                Diagnostic-Code: smtp; %s

                --B--
                """.formatted(humanLine, status, diag);
    }

    @Test
    void userUnknownAfterDataFollowsTheWordsNotThePhase() {
        BounceRecord r = parse(postfixDsn("5.0.0", "550 Unknown user rcpt@example.com",
                "<rcpt@example.com>: host mx.example.com said: 550 Unknown user (in reply to end of DATA command)"))
                .records().get(0);
        assertThat(r.reason()).isEqualTo(Reason.USERUNKNOWN);
        assertThat(r.ruleId()).isEqualTo(BounceRules.WORDS_RULE);
        assertThat(r.hardBounce()).isTrue();
        assertThat(r.outcome()).isEqualTo(Outcome.BOUNCED_HARD);
        // A refusal that does not say the mailbox is missing stays the recipient's filter after DATA.
        BounceRecord refused = parse(postfixDsn("5.0.0", "550 Recipient rejected",
                "<rcpt@example.com>: host mx.example.com said: 550 Recipient rejected (in reply to end of DATA command)"))
                .records().get(0);
        assertThat(refused.reason()).isEqualTo(Reason.FILTERED);
        assertThat(refused.hardBounce()).isFalse();
    }

    @Test
    void aTextDelayWarningIsDeferredNeverFinal() {
        String exim = """
                From: Mail Delivery System <Mailer-Daemon@mx.example.net>
                To: sender@example.org
                Subject: Warning: message 1abcDE-0001xy-Ab delayed 24 hours
                X-Failed-Recipients: late@example.com

                This message was created automatically by mail delivery software.
                A message that you sent has not yet been delivered to one or more of its
                recipients after more than 24 hours on the queue on mx.example.net.

                  late@example.com
                    Delay reason: SMTP error from remote mail server after RCPT TO:<late@example.com>:
                    451 4.7.1 Greylisted, try again later

                No action is required on your part. Delivery attempts will continue for
                some time, and this warning may be repeated at intervals if the message
                remains undelivered. Eventually the mail delivery software will give up,
                and when that happens, the message will be returned to you.
                """;
        BounceResult r = parse(exim);
        assertThat(r.records()).extracting(BounceRecord::recipient).containsExactly("late@example.com");
        assertThat(r.records()).allMatch(b -> b.outcome() == Outcome.DEFERRED && b.action().equals("delayed"));
        // The final bounce of the same MTA stays final.
        String fin = exim.replace("Warning: message 1abcDE-0001xy-Ab delayed 24 hours", "Mail delivery failed")
                .replace("has not yet been delivered to one or more of its", "could not be delivered to one or more of its")
                .replace("No action is required on your part. Delivery attempts will continue for", "")
                .replace("451 4.7.1 Greylisted, try again later", "550 5.1.1 No such user");
        assertThat(parse(fin).records()).allMatch(b -> b.outcome() == Outcome.BOUNCED_HARD);
    }

    @Test
    void aChallengeResponseRequestIsAnAutoReplyNotABounce() {
        BounceResult r = parse(postfixDsn("5.0.0", "550 Your server requires confirmation. Visit the link to confirm this mail server.",
                "<rcpt@example.com>: host mx.example.com said: 550 Your server requires confirmation. (in reply to RCPT TO command)"));
        assertThat(r).isInstanceOf(BounceResult.AutoReply.class);
        assertThat(((BounceResult.AutoReply) r).ruleId()).isEqualTo("dsn.autoreply.challenge-response");
    }

    @Test
    void nothingIsLeftOnHoldWhileTheTextNearTheRecipientSaysWhy() {
        // The DSN's own diagnostic says nothing a rule knows; the human-readable paragraph naming the recipient does.
        BounceRecord r = parse(postfixDsn("5.0.0", "550 Rejected",
                "<rcpt@example.com>: host mx.example.com said: 550 Rejected: this mailbox is full, try later\n"
                        + "    (in reply to RCPT TO command)")).records().get(0);
        assertThat(r.reason()).isEqualTo(Reason.MAILBOXFULL);
        assertThat(r.ruleId()).startsWith("dsn.general+");
        // With no words anywhere, it stays onhold.
        BounceRecord none = parse(postfixDsn("5.0.0", "550 Rejected", "")).records().get(0);
        assertThat(none.reason()).isEqualTo(Reason.ONHOLD);
    }

    @Test
    void everyAddressOfXFailedRecipientsIsReported() {
        String exim = """
                From: Mail Delivery System <Mailer-Daemon@mx.example.net>
                To: sender@example.org
                Subject: Mail delivery failed: returning message to sender
                X-Failed-Recipients: one@example.com, two@example.com

                This message was created automatically by mail delivery software.

                A message that you sent could not be delivered to one or more of its
                recipients. This is a permanent error. The following address(es) failed:

                  one@example.com
                    SMTP error from remote mail server after RCPT TO:<one@example.com>:
                    550 5.1.1 No such user

                ------ This is a copy of the message, including all the headers. ------
                """;
        assertThat(parse(exim).records()).extracting(BounceRecord::recipient)
                .containsExactly("one@example.com", "two@example.com");
    }

    @Test
    void recipientsListedByLocalPartTakeTheNoticesDomain() {
        String aol = """
                From: Mail Delivery Subsystem <MAILER-DAEMON@aol.example>
                To: <sender@example.org>
                Subject: Mail Delivery Problem

                Sorry sender@example.org. Your mail to the following recipients could not be delivered because they are not accepting mail with attachments or embedded images:
                \tscreenname1
                \tscreenname2
                """;
        BounceResult r = parse(aol);
        assertThat(r.records()).extracting(BounceRecord::recipient)
                .containsExactly("screenname1@aol.example", "screenname2@aol.example");
        assertThat(r.records().get(0).reason()).isEqualTo(Reason.POLICYVIOLATION);
    }

    @Test
    void aSendmailTranscriptEntryIsReadWithTheRemoteReplyAboveIt() {
        String v5 = """
                From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
                To: sender@example.org
                Subject: Returned mail: Unable to deliver mail

                   ----- Transcript of session follows -----
                While talking to mx.example.edu:
                >>> MAIL From:<sender@example.org>
                <<< 550 Insecure Mail Relay
                554 <rcpt@example.edu>... Remote protocol error
                421 example.org (smtp)... Deferred: Connection timed out during user open with example.org

                   ----- Unsent message follows -----
                From: sender@example.org
                To: rcpt@example.edu
                """;
        BounceRecord r = parse(v5).records().get(0);
        assertThat(r.recipient()).isEqualTo("rcpt@example.edu");
        assertThat(r.reason()).isEqualTo(Reason.NORELAYING);
        assertThat(r.diagnosticText()).contains("Insecure Mail Relay").doesNotContain("Connection timed out");
    }
}
