package dev.rebound.core.classify;

import static dev.rebound.core.classify.Outcome.BLOCKED_POLICY;
import static dev.rebound.core.classify.Outcome.BOUNCED_HARD;
import static dev.rebound.core.classify.Outcome.BOUNCED_SOFT;
import static dev.rebound.core.classify.Outcome.DEFERRED;
import static dev.rebound.core.classify.Outcome.DELIVERED;
import static dev.rebound.core.classify.SmtpPhase.AUTH;
import static dev.rebound.core.classify.SmtpPhase.CONNECT;
import static dev.rebound.core.classify.SmtpPhase.DATA;
import static dev.rebound.core.classify.SmtpPhase.EHLO;
import static dev.rebound.core.classify.SmtpPhase.END_OF_DATA;
import static dev.rebound.core.classify.SmtpPhase.MAIL;
import static dev.rebound.core.classify.SmtpPhase.NONE;
import static dev.rebound.core.classify.SmtpPhase.RCPT;
import static dev.rebound.core.classify.SmtpPhase.STARTTLS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real-world reply strings, each with where it comes from. Addresses and IPs are replaced by documentation
 * values (example.com, 192.0.2.0/24). Sources, abbreviated:
 * <ul>
 *   <li>[gmail] Google Workspace Admin Help "SMTP error reference" (support.google.com/a/answer/3726730)
 *       and Gmail bounce texts widely quoted in public bounce reports;</li>
 *   <li>[m365] Microsoft Learn "Email non-delivery reports and SMTP errors in Exchange Online" and the
 *       Outlook.com postmaster pages;</li>
 *   <li>[yahoo] Yahoo Sender Hub "SMTP error codes" (senders.yahooinc.com/smtp-error-codes);</li>
 *   <li>[apple] Apple support HT204137 "iCloud mail server error messages";</li>
 *   <li>[gmx] GMX/web.de postmaster "error messages" pages;</li>
 *   <li>[orange] Orange postmaster (postmaster.orange.fr) OFR_* codes;</li>
 *   <li>[comcast] Xfinity/Comcast "SMTP error codes" and Cox/Spectrum AUP# codes;</li>
 *   <li>[postfix]/[exim]/[sendmail]/[qmail] replies emitted by those MTAs' stock configurations
 *       (postfix.org access/SMTPD_ACCESS_README, Exim spec chapter on ACLs, qmail-smtpd source strings);</li>
 *   <li>[rfc] RFC 5321, 3463, 3207, 4954, 7505 examples; [rebound] the delivery engine's own synthetic replies;</li>
 *   <li>[corpus] Sisimai set-of-emails (BSD-2-Clause) Diagnostic-Code lines; [dnsbl] Spamhaus/SpamCop/Barracuda
 *       reply formats documented by those lists.</li>
 * </ul>
 */
class ReplyClassifierTableTest {

    record Case(String source, SmtpPhase phase, String reply, Outcome outcome, Reason reason, String rule) {
        @Override public String toString() {
            String one = reply.replace("\r\n", " | ");
            return "[" + source + "] " + phase + " " + (one.length() > 90 ? one.substring(0, 90) + "…" : one);
        }
    }

    static Case c(String source, SmtpPhase phase, String reply, Outcome outcome, Reason reason) {
        return new Case(source, phase, reply, outcome, reason, null);
    }

    static Case c(String source, SmtpPhase phase, String reply, Outcome outcome, Reason reason, String rule) {
        return new Case(source, phase, reply, outcome, reason, rule);
    }

    static String ml(String... lines) {
        return String.join("\r\n", lines);
    }

    static Stream<Case> cases() {
        List<Case> l = new ArrayList<>();
        // ------------------------------------------------------------------ Gmail
        l.add(c("gmail NoSuchUser", RCPT, ml(
                "550-5.1.1 The email account that you tried to reach does not exist. Please try",
                "550-5.1.1 double-checking the recipient's email address for typos or",
                "550-5.1.1 unnecessary spaces. Learn more at",
                "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp"),
                BOUNCED_HARD, Reason.USERUNKNOWN, "text.userunknown"));
        l.add(c("gmail OverQuotaPerm", RCPT, ml(
                "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please",
                "552 5.2.2 direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm"),
                BOUNCED_SOFT, Reason.MAILBOXFULL, "enh.X.2.2"));
        l.add(c("gmail OverQuotaTemp", RCPT, ml(
                "452-4.2.2 The recipient's inbox is out of storage space. Please direct the",
                "452 4.2.2 recipient to https://support.google.com/mail/?p=OverQuotaTemp"),
                DEFERRED, Reason.MAILBOXFULL, "enh.X.2.2"));
        l.add(c("gmail DisabledUser", RCPT, ml(
                "550-5.2.1 The email account that you tried to reach is disabled. Learn more at",
                "550 5.2.1  https://support.google.com/mail/?p=DisabledUser"),
                BOUNCED_SOFT, Reason.SUSPEND, "text.suspend"));
        l.add(c("gmail inactive", RCPT, "550 5.2.1 The email account that you tried to reach is inactive.",
                BOUNCED_SOFT, Reason.SUSPEND));
        l.add(c("gmail 4.7.28 unsolicited rate", END_OF_DATA, ml(
                "421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating",
                "421-4.7.28 from your IP address. To protect our users from spam, mail sent from your IP",
                "421 4.7.28 address has been temporarily rate limited."),
                DEFERRED, Reason.SPEEDING));
        l.add(c("gmail 5.7.1 unsolicited", END_OF_DATA, ml(
                "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely",
                "550-5.7.1 unsolicited mail. To reduce the amount of spam sent to Gmail, this",
                "550 5.7.1 message has been blocked."),
                BLOCKED_POLICY, Reason.SPAMDETECTED));
        l.add(c("gmail 4.7.0 auth", END_OF_DATA, ml(
                "421-4.7.0 This message does not have authentication information or fails to",
                "421-4.7.0 pass authentication checks. To best protect our users from spam, the",
                "421 4.7.0 message has been blocked."),
                DEFERRED, Reason.AUTHFAILURE));
        l.add(c("gmail 5.7.26", END_OF_DATA, ml(
                "550-5.7.26 This mail has been blocked because the sender is unauthenticated.",
                "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.",
                "550 5.7.26 Authentication results: DKIM = did not pass SPF [example.org] with ip: [192.0.2.1] = did not pass"),
                BLOCKED_POLICY, Reason.AUTHFAILURE, "enh.X.7.26"));
        l.add(c("gmail 5.7.25 PTR", RCPT, ml(
                "550-5.7.25 [192.0.2.1] The IP address sending this message does not have a",
                "550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not",
                "550 5.7.25 point to the sending IP."),
                BLOCKED_POLICY, Reason.REQUIREPTR, "enh.X.7.25"));
        l.add(c("gmail low reputation", END_OF_DATA, ml(
                "421-4.7.0 [192.0.2.1] Our system has detected that this message is",
                "421 4.7.0 suspicious due to the very low reputation of the sending IP address."),
                DEFERRED, Reason.BADREPUTATION, "text.reputation"));
        l.add(c("barracuda-style poor reputation, phrase across lines", END_OF_DATA, ml(
                "550-5.7.1 [192.0.2.1] This message was rejected because of the sender's poor",
                "550 5.7.1 reputation."),
                BLOCKED_POLICY, Reason.BADREPUTATION, "text.reputation"));
        l.add(c("gmail 5.7.1 domain reputation", END_OF_DATA, ml(
                "550-5.7.1 Our system has detected that this message is likely suspicious due to the",
                "550 5.7.1 very low reputation of the sending domain."),
                BLOCKED_POLICY, Reason.BADREPUTATION));
        l.add(c("gmail 5.7.0 content", END_OF_DATA, ml(
                "552-5.7.0 This message was blocked because its content presents a potential",
                "552 5.7.0 security issue."),
                BLOCKED_POLICY, Reason.POLICYVIOLATION, "text.policy"));
        l.add(c("gmail 5.3.4 size", DATA, "552 5.3.4 Your message exceeded Google's message size limits.",
                BOUNCED_SOFT, Reason.MESGTOOBIG, "enh.X.3.4"));
        l.add(c("gmail DMARC", END_OF_DATA, ml(
                "550-5.7.1 Unauthenticated email from example.org is not accepted due to domain's",
                "550 5.7.1 DMARC policy."),
                BLOCKED_POLICY, Reason.AUTHFAILURE, "text.auth"));
        l.add(c("gmail 4.3.0 temporarily rejected", END_OF_DATA, "451 4.3.0 Mail server temporarily rejected message.",
                DEFERRED, Reason.SYSTEMERROR, "enh.X.3.x"));
        l.add(c("gmail RFC 5322", END_OF_DATA, ml(
                "550-5.7.1 This message is not RFC 5322 compliant. There are multiple Subject",
                "550 5.7.1 headers."),
                BLOCKED_POLICY, Reason.NOTCOMPLIANTRFC, "text.notcompliant"));
        l.add(c("gmail hop count", END_OF_DATA, "554 5.4.6 Message exceeded 50 hops, this may indicate a mail loop.",
                BOUNCED_SOFT, Reason.NETWORKERROR, "text.loop"));
        l.add(c("gmail 4.2.1 receiving rate", RCPT, ml(
                "450-4.2.1 The user you are trying to contact is receiving mail at a rate that",
                "450 4.2.1 prevents additional messages from being delivered."),
                DEFERRED, Reason.SPEEDING));
        l.add(c("gmail 5.4.5 sending limit", MAIL, "550 5.4.5 Daily user sending limit exceeded.",
                BLOCKED_POLICY, Reason.SPEEDING));
        l.add(c("gmail starttls", MAIL, "530 5.7.0 Must issue a STARTTLS command first.",
                BLOCKED_POLICY, Reason.FAILEDSTARTTLS));
        l.add(c("gmail auth", AUTH, "535 5.7.8 Username and Password not accepted.",
                BLOCKED_POLICY, Reason.SECURITYERROR, "phase.auth"));
        l.add(c("gmail try again", EHLO, "421 4.7.0 Try again later, closing connection. (EHLO)",
                DEFERRED, Reason.ONHOLD, "text.tryagain"));
        l.add(c("gmail 2xx", END_OF_DATA, "250 2.0.0 OK  1700000000 a1si123 - gsmtp",
                DELIVERED, Reason.DELIVERED, "code.2xx"));
        l.add(c("gmail groups spam", NONE, "550 5.7.1 Your email to group x@example.com was rejected due to spam classification.",
                BLOCKED_POLICY, Reason.SPAMDETECTED, "text.spam.verdict"));
        // ------------------------------------------------------------------ Microsoft 365 / Outlook.com
        l.add(c("m365 RecipNotFound", RCPT, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("m365 5.1.10", RCPT, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
                BOUNCED_HARD, Reason.USERUNKNOWN, "text.userunknown"));
        l.add(c("m365 5.4.1 DBEB", RCPT, "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN1NAM02FT047.eop-nam02.prod.protection.outlook.com]",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("m365 spamhaus", RCPT, "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 AS(1450)",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocklist"));
        l.add(c("m365 5.7.606 banned", RCPT, "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/ and follow the directions.",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("m365 5.7.708", RCPT, "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("m365 5.7.509 DMARC", END_OF_DATA, "550 5.7.509 Access denied, sending domain example.org does not pass DMARC verification and has a DMARC policy of reject.",
                BLOCKED_POLICY, Reason.AUTHFAILURE));
        l.add(c("m365 mailbox full", END_OF_DATA, "550 5.2.2 STOREDRV.Deliver: mailbox full.",
                BOUNCED_SOFT, Reason.MAILBOXFULL, "enh.X.2.2"));
        l.add(c("m365 QuotaExceeded", END_OF_DATA, "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException",
                BOUNCED_SOFT, Reason.MAILBOXFULL));
        l.add(c("m365 hop count", END_OF_DATA, "550 5.4.14 Hop count exceeded - possible mail loop ATTR34",
                BOUNCED_SOFT, Reason.NETWORKERROR));
        l.add(c("m365 4.4.0 DNS", NONE, "451 4.4.0 DNS query failed. The error was: DNS query failed with error: ServerFailure",
                DEFERRED, Reason.NETWORKERROR, "text.dns.error"));
        l.add(c("m365 AuthRequired", RCPT, "550 5.7.1 RESOLVER.RST.AuthRequired; authentication required",
                BLOCKED_POLICY, Reason.SECURITYERROR));
        l.add(c("outlook.com S3150", RCPT, "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("outlook.com 4.7.650", RCPT, "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S3113)",
                DEFERRED, Reason.BADREPUTATION));
        l.add(c("m365 5.1.8", MAIL, "550 5.1.8 Access denied, bad outbound sender",
                BLOCKED_POLICY, Reason.REJECTED, "enh.X.1.8"));
        l.add(c("m365 5.7.57", MAIL, "530 5.7.57 Client was not authenticated to send anonymous mail during MAIL FROM",
                BLOCKED_POLICY, Reason.SECURITYERROR));
        l.add(c("m365 too many recipients", RCPT, "452 4.5.3 Too many recipients",
                DEFERRED, Reason.TOOMANYCONN));
        l.add(c("m365 size", DATA, "552 5.3.4 Message size exceeds fixed maximum message size",
                BOUNCED_SOFT, Reason.MESGTOOBIG));
        l.add(c("m365 5.4.300 expired", NONE, "550 5.4.300 Message expired",
                BOUNCED_SOFT, Reason.EXPIRED, "text.expired"));
        l.add(c("m365 QUEUE.Expired", NONE, "550 4.4.7 QUEUE.Expired; message expired",
                BOUNCED_SOFT, Reason.EXPIRED, "enh.X.4.7+conflict"));
        l.add(c("m365 5.7.350 spam", END_OF_DATA, "550 5.7.350 Remote server returned message detected as spam",
                BLOCKED_POLICY, Reason.SPAMDETECTED));
        // ------------------------------------------------------------------ Yahoo / AOL
        l.add(c("yahoo TSS04", RCPT, "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
                DEFERRED, Reason.BADREPUTATION));
        l.add(c("yahoo BL21", CONNECT, "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("yahoo 5.7.9 policy", END_OF_DATA, "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
                BLOCKED_POLICY, Reason.POLICYVIOLATION));
        l.add(c("yahoo no account", RCPT, "554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1234.mail.ne1.yahoo.com",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("yahoo disabled", RCPT, "554 delivery error: dd Sorry your message to x@yahoo.com cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.ne1.yahoo.com",
                BOUNCED_SOFT, Reason.SUSPEND));
        l.add(c("yahoo deferred", RCPT, "451 Message temporarily deferred - [160]",
                DEFERRED, Reason.ONHOLD, "code.4xx"));
        l.add(c("yahoo TS01", RCPT, "421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
                DEFERRED, Reason.BADREPUTATION));
        l.add(c("yahoo unauthenticated", END_OF_DATA, "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
                BLOCKED_POLICY, Reason.AUTHFAILURE));
        l.add(c("yahoo TSS09", RCPT, "421 4.7.0 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
                DEFERRED, Reason.BLOCKED));
        // Yahoo Sender Hub lists TSS11 (excessive unknown recipients): a directory-harvest defence against the sender.
        l.add(c("yahoo TSS11 harvest", RCPT, "421 4.7.0 [TSS11] Excessive unknown recipients - possible Directory Harvest Attack",
                DEFERRED, Reason.BLOCKED, "text.harvest"));
        // Microsoft Learn "Fix email delivery issues for error code 5.7.700 through 5.7.750": tenant blocked for
        // unregistered domains.
        l.add(c("m365 5.7.750", RCPT, "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocked"));
        // Outlook.com postmaster (sendersupport.olc.protection.outlook.com): SC-001 / RP-001 refusals.
        l.add(c("outlook.com SC-001", RCPT, "550 SC-001 (BAY0-MC1-F21) Unfortunately, messages from 192.0.2.1 weren't sent. Please contact your "
                        + "Internet service provider. You can tell them that Hotmail does not relay dynamically-assigned IP ranges.",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocked"));
        l.add(c("outlook.com RP-001", CONNECT, "421 RP-001 (SNT004-MC1F1) Unfortunately, some messages from 192.0.2.1 weren't sent. Please try again.",
                DEFERRED, Reason.BLOCKED, "text.blocked"));
        // Allow-list-only receivers (Gmail's documented 4.7.0 'IP not in whitelist for RCPT domain').
        l.add(c("gmail 4.7.0 whitelist", RCPT, "421 4.7.0 IP not in whitelist for RCPT domain, closing connection.",
                DEFERRED, Reason.BLOCKED, "text.blocked"));
        // Gmail SMTP error reference: 5.4.5 daily sending quota (the SENDER's quota, not the recipient's mailbox).
        l.add(c("gmail 5.4.5 sending quota", MAIL, "550 5.4.5 Daily user sending quota exceeded.",
                BLOCKED_POLICY, Reason.SPEEDING, "text.ratelimit"));
        // Amazon SES developer guide "Using the Amazon SES account-level suppression list": the bounce it synthesises.
        l.add(c("ses suppression list", NONE, "550 5.1.1 Amazon SES has suppressed sending to this address because it has a recent "
                        + "history of bouncing as an invalid address.",
                BOUNCED_HARD, Reason.SUPPRESSED, "text.suppressed"));
        // Postfix postconf(5) reject_unknown_reverse_client_hostname: the client IP has no PTR.
        l.add(c("postfix reverse hostname", RCPT, "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
                DEFERRED, Reason.REQUIREPTR, "text.ptr"));
        // RFC 3207 section 4: "454 TLS not available due to temporary reason" (Postfix: "due to local problem").
        l.add(c("rfc3207 454 in a DSN", NONE, "454 4.7.5 TLS not available due to local problem",
                DEFERRED, Reason.FAILEDSTARTTLS, "text.starttls"));
        // Sendmail/Exim ACL wording for a refused client host.
        l.add(c("acl not allowed to connect", CONNECT, "554 5.7.1 You are not allowed to connect.",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocked"));
        // Exchange/Mimecast/Proofpoint attachment filters ("Attachment type not allowed").
        l.add(c("attachment filter", END_OF_DATA, "550 5.7.1 Message rejected: Attachment type not allowed (.exe)",
                BLOCKED_POLICY, Reason.POLICYVIOLATION, "text.policy"));
        // Google Workspace SMTP error reference: 5.7.1 for a client IP that should use its provider's relay.
        l.add(c("gmail 5.7.1 send directly", RCPT, "550 5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to send "
                        + "email directly to our servers. Please use the SMTP relay at your service provider instead.",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocked"));
        // Microsoft Learn "Email non-delivery reports and SMTP errors in Exchange Online": 5.1.90, 5.7.124, 5.7.705.
        l.add(c("m365 5.1.90 daily recipients", MAIL, "550 5.1.90 Your message can't be sent because you've reached your daily limit "
                        + "for message recipients",
                BLOCKED_POLICY, Reason.SPEEDING, "text.ratelimit"));
        l.add(c("m365 5.7.124 allowed senders", RCPT, "550 5.7.124 Sender not in allowed-senders list",
                BLOCKED_POLICY, Reason.REJECTED, "text.rejected.sender"));
        // Postfix reject_rhsbl_sender (postconf(5) default_rbl_reply, class 'Sender address'): the sender's domain is
        // listed, not the client; Mimecast 'envelope blocked' (blocked senders policy).
        l.add(c("postfix rhsbl sender", RCPT, "554 5.7.1 Service unavailable; Sender address [bounce@spammy.example] blocked "
                        + "using dbl.spamhaus.org; https://www.spamhaus.org/query/domain/spammy.example",
                BLOCKED_POLICY, Reason.REJECTED, "text.rejected.listed-sender"));
        l.add(c("mimecast envelope blocked", RCPT, "550 Administrative prohibition - envelope blocked",
                BLOCKED_POLICY, Reason.REJECTED, "text.rejected.listed-sender"));
        l.add(c("m365 5.7.705 tenant", MAIL, "550 5.7.705 Access denied, tenant has exceeded threshold",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocked"));
        // "not listed in" names a missing mailbox only for a directory (Lotus Domino); an IP not listed in an
        // allow list is a block of the sender, never a hard bounce.
        l.add(c("domino directory", RCPT, "550 5.0.0 User x@example.com not listed in Domino Directory",
                BOUNCED_HARD, Reason.USERUNKNOWN, "text.userunknown"));
        l.add(c("allow list not listed", CONNECT, "554 Your IP 192.0.2.1 is not listed in our allow list",
                BLOCKED_POLICY, Reason.BLOCKED));
        // Exim specification, content-scanning ACL example: "potentially executable attachment".
        l.add(c("exim executable attachment", END_OF_DATA,
                "550 This message has been rejected because it has a potentially executable attachment",
                BLOCKED_POLICY, Reason.POLICYVIOLATION, "text.policy"));
        // Barracuda: the vendor's name alone is no block-list listing; its content filter's refusal is a spam verdict.
        l.add(c("barracuda spam filter", END_OF_DATA, "550 5.7.1 Message rejected by Barracuda spam filter",
                BLOCKED_POLICY, Reason.SPAMDETECTED));
        l.add(c("aol disabled", RCPT, "554 30 Sorry, your message to x@aol.com cannot be delivered. This account has been disabled or discontinued [#102]. - mta1234.mail.bf1.yahoo.com",
                BOUNCED_SOFT, Reason.SUSPEND));
        l.add(c("aol mailbox not found", RCPT, "552 1 Requested mail action aborted, mailbox not found",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("yahoo DMARC", END_OF_DATA, "550 5.7.1 Email rejected per DMARC policy for example.org",
                BLOCKED_POLICY, Reason.AUTHFAILURE));
        // ------------------------------------------------------------------ issue 16 wording families
        l.add(c("web.de message-count quota", RCPT,
                "550 <x@web.de> Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.",
                BOUNCED_SOFT, Reason.MAILBOXFULL, "text.mailboxfull.count"));
        l.add(c("qmail badrcptto", RCPT, "553 sorry, badrcptto(user mail-box not found) (#5.7.1)",
                BOUNCED_HARD, Reason.USERUNKNOWN, "text.userunknown"));
        l.add(c("no mail box available", RCPT, "550 ** No mail box available for this user **",
                BOUNCED_HARD, Reason.USERUNKNOWN, "text.userunknown"));
        l.add(c("not an active address", RCPT, "550 x@example.net is not an active address at this host",
                BOUNCED_HARD, Reason.USERUNKNOWN, "text.userunknown"));
        l.add(c("use me as a relay", RCPT,
                "553 you are trying to use me [mx.example.com] as a relay, but I have not been configured to let you do this",
                BLOCKED_POLICY, Reason.NORELAYING, "text.norelay"));
        l.add(c("max message size exceeded", RCPT, "550 RCPT TO:<x@example.net> max message size exceeded",
                BOUNCED_SOFT, Reason.MESGTOOBIG, "text.mesgtoobig"));
        // ------------------------------------------------------------------ Apple iCloud
        l.add(c("apple unknown alias", RCPT, "550 5.1.1 <x@icloud.com>: unknown or illegal alias: x@icloud.com",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("apple over quota", RCPT, "552 5.2.2 <x@icloud.com>: user is over quota",
                BOUNCED_SOFT, Reason.MAILBOXFULL));
        l.add(c("apple CS01", END_OF_DATA, "554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
                BLOCKED_POLICY, Reason.POLICYVIOLATION));
        l.add(c("apple proofpoint", CONNECT, "554 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("apple DMARC", END_OF_DATA, "554 5.7.1 Your message was rejected due to example.org's DMARC policy. See https://support.apple.com/en-us/HT204137 for info",
                BLOCKED_POLICY, Reason.AUTHFAILURE));
        l.add(c("apple HM08", RCPT, "421 4.7.0 [HM08] Message from 192.0.2.1 temporarily deferred due to user complaints - 4.16.55.1; see https://support.apple.com/en-us/HT204137",
                DEFERRED, Reason.BADREPUTATION));
        l.add(c("apple HM07", END_OF_DATA, "550 5.7.1 [HM07] Message rejected due to sender reputation",
                BLOCKED_POLICY, Reason.BADREPUTATION));
        // ------------------------------------------------------------------ GMX / web.de
        l.add(c("gmx mailbox unavailable", RCPT, "550 Requested action not taken: mailbox unavailable",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("gmx rdns", CONNECT, ml(
                "554-gmx.net (mxgmx016) Nemesis ESMTP Service not available",
                "554-No SMTP service",
                "554-Bad DNS PTR resource record.",
                "554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=192.0.2.1&c=rdns"),
                BLOCKED_POLICY, Reason.REQUIREPTR));
        l.add(c("gmx black listed", CONNECT, ml(
                "554-gmx.net (mxgmx016) Nemesis ESMTP Service not available",
                "554-No SMTP service",
                "554-IP address is black listed.",
                "554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=192.0.2.1&c=bl"),
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("gmx storage allocation", RCPT, "552 Requested mail action aborted: exceeded storage allocation",
                BOUNCED_SOFT, Reason.MAILBOXFULL));
        l.add(c("web.de unbekannt", RCPT, "550 5.1.1 Empfänger unbekannt",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("gmx policy restrictions", CONNECT, ml(
                "421-gmx.net (mxgmx117) Nemesis ESMTP Service not available",
                "421-Reject due to policy restrictions.",
                "421 For explanation visit https://postmaster.gmx.net/en/error-messages?ip=192.0.2.1&c=sp"),
                DEFERRED, Reason.POLICYVIOLATION));
        l.add(c("web.de content", END_OF_DATA, "554 Transaction failed. Reject due to content restrictions.",
                BLOCKED_POLICY, Reason.POLICYVIOLATION));
        l.add(c("gmx sender", MAIL, "550 Sender address is not allowed.",
                BLOCKED_POLICY, Reason.REJECTED));
        // ------------------------------------------------------------------ Orange / La Poste
        l.add(c("orange OFR_416", RCPT, "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("orange OFR_999", CONNECT, "421 mwinf5c77 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_999 [999]",
                DEFERRED, Reason.BLOCKED));
        l.add(c("orange OFR006", CONNECT, "550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam. Client host blocked for spamming issues. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip=192.0.2.1 [102]",
                BLOCKED_POLICY, Reason.BLOCKED));
        // Orange content filter after DATA (OFR_506), listed as a spam/virus refusal in French postmaster guides.
        l.add(c("orange OFR_506", END_OF_DATA, "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]",
                BLOCKED_POLICY, Reason.SPAMDETECTED, "text.spam.verdict"));
        l.add(c("orange OFR_417", RCPT, "552 5.2.2 Boite du destinataire pleine. Recipient overquota. OFR_417 [417]",
                BOUNCED_SOFT, Reason.MAILBOXFULL));
        l.add(c("orange OFR_103", MAIL, "501 5.1.0 Emetteur invalide. Invalid Sender. OFR_103 [103]",
                BLOCKED_POLICY, Reason.REJECTED));
        l.add(c("orange OFR_104", CONNECT, "421 mwinf5c12 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]",
                DEFERRED, Reason.TOOMANYCONN));
        l.add(c("laposte LPN006", CONNECT, "421 4.2.1 Service refuse. Veuillez essayer plus tard. Service refused, please try later. LPN006_107",
                DEFERRED, Reason.BLOCKED));
        // ------------------------------------------------------------------ Comcast / Cox / Spectrum
        l.add(c("comcast BL000001", CONNECT, "554 resimta-ch2-18v.sys.comcast.net resimta-ch2-18v.sys.comcast.net 192.0.2.1 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("comcast user unknown", RCPT, "550 5.1.1 <x@comcast.net> User unknown",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("comcast RL000001", CONNECT, "421 resimta-po-30v.sys.comcast.net Too many sessions opened from 192.0.2.1. RL000001",
                DEFERRED, Reason.TOOMANYCONN));
        l.add(c("cox CDRBL", MAIL, "550 5.1.0 <bounce@example.org> sender rejected. Refer to Error Codes section at https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#CDRBL",
                BLOCKED_POLICY, Reason.BLOCKED, "text.blocklist"));
        l.add(c("godaddy IB607", RCPT, "550 5.1.1 <x@example.com> - 192.0.2.1 has sent to too many recipients this hour. IB607 <http://x.co/rlbounce>",
                BLOCKED_POLICY, Reason.SPEEDING, "text.ratelimit.hourly"));
        l.add(c("comcast SPF", END_OF_DATA, "550 5.7.1 Mail rejected due to SPF failure for example.org",
                BLOCKED_POLICY, Reason.AUTHFAILURE));
        // ------------------------------------------------------------------ Postfix
        l.add(c("postfix local recipient table", RCPT, "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local recipient table",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("postfix virtual mailbox table", RCPT, "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("postfix relay", RCPT, "554 5.7.1 <x@example.com>: Relay access denied",
                BLOCKED_POLICY, Reason.NORELAYING, "text.norelay"));
        l.add(c("postfix 4.1.8 sender domain", MAIL, "450 4.1.8 <bounce@example.org>: Sender address rejected: Domain not found",
                DEFERRED, Reason.REJECTED, "enh.X.1.8"));
        l.add(c("postfix 5.1.8 sender domain", MAIL, "550 5.1.8 <bounce@example.org>: Sender address rejected: Domain not found",
                BLOCKED_POLICY, Reason.REJECTED, "enh.X.1.8"));
        l.add(c("postfix unknown client", RCPT, "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]",
                DEFERRED, Reason.REQUIREPTR, "text.ptr"));
        l.add(c("postfix zen", RCPT, "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("postgrey", RCPT, "450 4.2.0 <x@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html",
                DEFERRED, Reason.POLICYVIOLATION, "text.greylist"));
        l.add(c("postfix size", DATA, "552 5.3.4 Message size exceeds fixed limit",
                BOUNCED_SOFT, Reason.MESGTOOBIG));
        l.add(c("postfix storage", MAIL, "452 4.3.1 Insufficient system storage",
                DEFERRED, Reason.SYSTEMFULL, "enh.X.3.1"));
        l.add(c("postfix shutting down", RCPT, "421 4.3.2 Service shutting down, closing transmission channel",
                DEFERRED, Reason.SYSTEMERROR));
        l.add(c("postfix helo fqdn", EHLO, "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
                BLOCKED_POLICY, Reason.BLOCKED, "phase.connect"));
        l.add(c("postfix helo host not found", EHLO, "450 4.7.1 <mail.example.org>: Helo command rejected: Host not found",
                DEFERRED, Reason.BLOCKED, "text.hostunknown@connect"));
        l.add(c("postfix access denied", RCPT, "550 5.7.1 <x@example.com>: Recipient address rejected: Access denied",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("postfix config problem", RCPT, "451 4.3.5 Server configuration problem",
                DEFERRED, Reason.SYSTEMERROR, "enh.X.3.x"));
        l.add(c("postfix client access denied", RCPT, "554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("postfix timeout", DATA, "421 4.4.2 mx.example.com Error: timeout exceeded",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        l.add(c("postfix need rcpt", DATA, "503 5.5.1 Error: need RCPT command",
                BOUNCED_SOFT, Reason.SYNTAXERROR, "enh.X.5.x"));
        l.add(c("postfix bad sender syntax", MAIL, "501 5.1.7 Bad sender address syntax",
                BLOCKED_POLICY, Reason.REJECTED, "enh.X.1.7"));
        l.add(c("postfix bad syntax", RCPT, "500 5.5.2 Error: bad syntax",
                BOUNCED_SOFT, Reason.SYNTAXERROR));
        l.add(c("postfix may not be mx", RCPT, "450 4.7.1 <c135.example.jp[192.0.2.56]>: Client host rejected: may not be mail exchanger",
                DEFERRED, Reason.BLOCKED));
        l.add(c("postfix not rfc compliant", END_OF_DATA, "550 5.7.1 Messages with multiple addresses in From: header are not accepted.",
                BLOCKED_POLICY, Reason.NOTCOMPLIANTRFC));
        // ------------------------------------------------------------------ Exim
        l.add(c("exim unrouteable", RCPT, "550 Unrouteable address",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("exim sender verify", MAIL, "550 5.7.1 Sender verify failed",
                BLOCKED_POLICY, Reason.REJECTED));
        l.add(c("exim temporary", RCPT, "451 Temporary local problem - please try later",
                DEFERRED, Reason.ONHOLD, "text.tryagain"));
        l.add(c("exim callout", MAIL, ml(
                "550-Verification failed for <bounce@example.org>",
                "550-Unrouteable address",
                "550 Sender verify failed"),
                BLOCKED_POLICY, Reason.REJECTED, "text.rejected.sender"));
        l.add(c("exim black list", RCPT, "550 rejected because 192.0.2.1 is in a black list at zen.spamhaus.org",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("exim size", DATA, "552 Message size exceeds maximum permitted",
                BOUNCED_SOFT, Reason.MESGTOOBIG));
        l.add(c("exim administrative prohibition", RCPT, "550 Administrative prohibition",
                BLOCKED_POLICY, Reason.POLICYVIOLATION));
        l.add(c("exim callout defer", MAIL, "451 Could not complete sender verify callout",
                DEFERRED, Reason.ONHOLD));
        l.add(c("exim mailbox full", RCPT, "550 mailbox is full",
                BOUNCED_SOFT, Reason.MAILBOXFULL));
        l.add(c("exim rate limit", RCPT, "450 4.7.1 Rate limit reached, please slow down",
                DEFERRED, Reason.SPEEDING));
        // ------------------------------------------------------------------ sendmail
        l.add(c("sendmail user unknown", RCPT, "550 5.1.1 <x@example.com>... User unknown",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("sendmail sender domain", MAIL, "553 5.1.8 <bounce@example.org>... Domain of sender address bounce@example.org does not exist",
                BLOCKED_POLICY, Reason.REJECTED, "enh.X.1.8"));
        l.add(c("sendmail relaying denied", RCPT, "550 5.7.1 <x@example.com>... Relaying denied. IP name possibly forged [192.0.2.1]",
                BLOCKED_POLICY, Reason.NORELAYING));
        l.add(c("sendmail disk space", MAIL, "452 4.4.5 Insufficient disk space; try again later",
                DEFERRED, Reason.SYSTEMFULL, "text.systemfull"));
        l.add(c("sendmail mailbox full", RCPT, "550 5.2.2 <x@example.com>... Mailbox Full",
                BOUNCED_SOFT, Reason.MAILBOXFULL));
        l.add(c("sendmail 554 greeting", CONNECT, "554 5.0.0 Service unavailable",
                BLOCKED_POLICY, Reason.BLOCKED, "phase.connect"));
        l.add(c("sendmail conn rate", CONNECT, "421 4.3.2 Connection rate limit exceeded.",
                DEFERRED, Reason.TOOMANYCONN));
        l.add(c("sendmail 5.0.0 user unknown", RCPT, "550 5.0.0 <x@example.com>... User unknown",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("rfc5321 551", RCPT, "551 User not local; please try <x@other.example>",
                BOUNCED_HARD, Reason.HASMOVED));
        l.add(c("sendmail 5.1.6", RCPT, "550 5.1.6 recipient no longer on server: x@example.com",
                BOUNCED_HARD, Reason.HASMOVED, "enh.X.1.6"));
        l.add(c("sendmail content", END_OF_DATA, "550 5.6.9 improper use of 8-bit data in message header",
                BOUNCED_SOFT, Reason.CONTENTERROR));
        l.add(c("sendmail headers too large", END_OF_DATA, "552 5.6.0 Headers too large (32768 max)",
                BOUNCED_SOFT, Reason.CONTENTERROR));
        // ------------------------------------------------------------------ qmail
        l.add(c("qmail rcpthosts", RCPT, "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
                BLOCKED_POLICY, Reason.NORELAYING));
        l.add(c("qmail no mailbox", RCPT, "550 sorry, no mailbox here by that name. (#5.1.1)",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("qmail databytes", DATA, "552 sorry, that message size exceeds my databytes limit (#5.3.4)",
                BOUNCED_SOFT, Reason.MESGTOOBIG));
        l.add(c("qmail qq temporary", END_OF_DATA, "451 qq temporary problem (#4.3.0)",
                DEFERRED, Reason.ONHOLD, "code.4xx"));
        l.add(c("qmail badmailfrom", MAIL, "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)",
                BLOCKED_POLICY, Reason.REJECTED));
        // ------------------------------------------------------------------ DNSBLs, filters
        l.add(c("barracuda", RCPT, "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.1",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("spamcop", RCPT, "550 5.7.1 Message rejected because 192.0.2.1 is listed by bl.spamcop.net",
                BLOCKED_POLICY, Reason.BLOCKED));
        l.add(c("barracuda poor reputation", RCPT, "554 Your access to this mail system has been rejected due to the sending MTA's poor reputation. If you believe that this failure is in error, please contact the intended recipient via alternate means.",
                BLOCKED_POLICY, Reason.BADREPUTATION));
        l.add(c("exchange consider spam", END_OF_DATA, "554 5.7.1 The message from (<x@example.org>) with the subject of (test) matches a profile the Internet community may consider spam.",
                BLOCKED_POLICY, Reason.SPAMDETECTED));
        l.add(c("spamassassin", END_OF_DATA, "550 High probability of spam",
                BLOCKED_POLICY, Reason.SPAMDETECTED));
        l.add(c("clamav", END_OF_DATA, "554 5.7.1 Message rejected: virus found (Eicar-Test-Signature)",
                BLOCKED_POLICY, Reason.VIRUSDETECTED, "text.virus"));
        l.add(c("amavis virus", END_OF_DATA, "550 5.7.1 Your message was infected with a virus",
                BLOCKED_POLICY, Reason.VIRUSDETECTED));
        l.add(c("amavis UBE", END_OF_DATA, "550 5.7.1 Message content rejected, UBE, id=00000-22-225",
                BLOCKED_POLICY, Reason.SPAMDETECTED));
        l.add(c("yandex policy", RCPT, "550 5.7.1 Policy rejection on the target address",
                BLOCKED_POLICY, Reason.POLICYVIOLATION));
        l.add(c("mail.ru", RCPT, "550 Message was not accepted -- invalid mailbox.  Local mailbox x@mail.ru is unavailable: user not found",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("mimecast anti-spoofing", END_OF_DATA, "550 Rejected by header based Anti-Spoofing policy: x@example.com",
                BLOCKED_POLICY, Reason.POLICYVIOLATION));
        l.add(c("mimecast resource", RCPT, "451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451",
                DEFERRED, Reason.SYSTEMERROR));
        l.add(c("mimecast invalid recipient", RCPT, "550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("zoho", RCPT, "550 5.1.1 User does not exist - <x@zoho.com>",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("protonmail", RCPT, "550 5.1.1 Address does not exist",
                BOUNCED_HARD, Reason.USERUNKNOWN));
        l.add(c("fastmail disabled", RCPT, "550 5.2.1 <x@fastmail.com>: Recipient address rejected: This account is disabled",
                BOUNCED_SOFT, Reason.SUSPEND));
        l.add(c("postfix too many recipients", RCPT, "452 4.5.3 Error: too many recipients",
                DEFERRED, Reason.TOOMANYCONN));
        l.add(c("generic 421", CONNECT, "421 Service not available, closing transmission channel",
                DEFERRED, Reason.SYSTEMERROR, "text.systemerror"));
        l.add(c("facebook RCP-P2", RCPT, "550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.1#rcp Refused due to recipient preferences",
                BOUNCED_SOFT, Reason.FILTERED));
        l.add(c("sendmail filtered", END_OF_DATA, "550 5.2.0 Message Filtered",
                BOUNCED_SOFT, Reason.FILTERED));
        l.add(c("qq DMARC", END_OF_DATA, "550 DMARC check failed. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1001508",
                BLOCKED_POLICY, Reason.AUTHFAILURE));
        l.add(c("qq frequency", CONNECT, "550 Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1000722",
                BLOCKED_POLICY, Reason.TOOMANYCONN));
        l.add(c("ses unverified", MAIL, "554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: bounce@example.org",
                BLOCKED_POLICY, Reason.NORELAYING));
        l.add(c("exchange delivery not authorized", RCPT, "550 5.7.1 Delivery not authorized, message refused",
                BLOCKED_POLICY, Reason.SECURITYERROR));
        l.add(c("corpus temporary locked", RCPT, "550 5.7.1 <x@example.com>: Recipient address rejected: User x@example.com temporary locked. Please try again later!",
                BOUNCED_SOFT, Reason.SUSPEND));
        l.add(c("rfc7372 5.7.13", RCPT, "525 5.7.13 Disabled recipient address",
                BOUNCED_SOFT, Reason.SUSPEND, "enh.X.7.13"));
        l.add(c("rfc3463 5.2.3", DATA, "552 5.2.3 Message length exceeds limit set by recipient",
                BOUNCED_SOFT, Reason.EXCEEDLIMIT, "enh.X.2.3"));
        l.add(c("rfc7505 5.7.27 sender null MX", MAIL, "550 5.7.27 Sender address has null MX",
                BLOCKED_POLICY, Reason.REJECTED, "enh.X.7.27"));
        l.add(c("rfc8689 5.7.30", RCPT, "550 5.7.30 REQUIRETLS support required",
                BLOCKED_POLICY, Reason.FAILEDSTARTTLS));
        l.add(c("starttls refused without a tls phrase", STARTTLS, "454 4.7.0 Unable to initialize security subsystem",
                DEFERRED, Reason.FAILEDSTARTTLS, "phase.starttls"));
        l.add(c("rfc4954 535", AUTH, "535 5.7.8 Error: authentication failed: authentication failure",
                BLOCKED_POLICY, Reason.SECURITYERROR));
        // ------------------------------------------------------------------ Rebound's own synthetic replies
        l.add(c("rebound NXDOMAIN", NONE, "550 5.1.2 example.invalid: no such domain (NXDOMAIN)",
                BOUNCED_HARD, Reason.HOSTUNKNOWN));
        l.add(c("rebound NXDOMAIN bare", NONE, "550 5.1.2 Host unknown",
                BOUNCED_HARD, Reason.HOSTUNKNOWN));
        l.add(c("rebound null MX", NONE, "556 5.1.10 example.com accepts no mail (null MX, RFC 7505)",
                BOUNCED_HARD, Reason.NOTACCEPT, "text.nullmx"));
        l.add(c("rebound null MX terse", NONE, "556 5.1.10 Recipient address has null MX",
                BOUNCED_HARD, Reason.NOTACCEPT));
        l.add(c("rebound SERVFAIL", NONE, "451 4.4.3 DNS lookup for example.com failed: SERVFAIL",
                DEFERRED, Reason.NETWORKERROR));
        l.add(c("rebound SERVFAIL terse", NONE, "451 4.4.3 Directory server failure",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        l.add(c("rebound connect refused", CONNECT, "421 4.4.1 Connection refused by mx.example.com [192.0.2.1]:25",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        l.add(c("rebound connect timeout", CONNECT, "421 4.4.2 Connection to mx.example.com [192.0.2.1]:25 timed out",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        // the exact wording of rebound-server's delivery.LocalReplies (merged from main)
        l.add(c("rebound LocalReplies nxdomain", NONE, "550 5.1.2 domain example.invalid does not exist (DNS NXDOMAIN); check the address",
                BOUNCED_HARD, Reason.HOSTUNKNOWN, "text.hostunknown"));
        l.add(c("rebound LocalReplies no MX no A", NONE, "550 5.1.2 domain example.com has no MX and no A/AAAA record",
                BOUNCED_HARD, Reason.HOSTUNKNOWN, "enh.X.1.2"));
        l.add(c("rebound LocalReplies null MX", NONE, "556 5.1.10 domain example.com does not accept mail (null MX, RFC 7505)",
                BOUNCED_HARD, Reason.NOTACCEPT, "text.nullmx"));
        l.add(c("rebound LocalReplies no address", NONE, "550 5.4.4 no address for any MX host of example.com (mx1.example.com, mx2.example.com)",
                BOUNCED_HARD, Reason.HOSTUNKNOWN, "enh.X.4.4"));
        l.add(c("rebound LocalReplies servfail", NONE, "451 4.4.3 DNS lookup of example.com failed temporarily: SERVFAIL",
                DEFERRED, Reason.NETWORKERROR));
        l.add(c("rebound LocalReplies dns timeout", NONE, "451 4.4.3 DNS lookup of example.com failed temporarily: timed out",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        l.add(c("rebound LocalReplies connect", CONNECT, "421 4.4.1 cannot connect to mx.example.com[192.0.2.1]:25: Connection refused",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        l.add(c("rebound LocalReplies no answer", RCPT, "421 4.4.2 mx.example.com[192.0.2.1]:25 did not answer within 300000 ms (RCPT)",
                DEFERRED, Reason.NETWORKERROR, "enh.X.4.x"));
        l.add(c("rebound LocalReplies tls", STARTTLS, "421 4.7.5 STARTTLS handshake with mx.example.com[192.0.2.1]:25 failed: PKIX path building failed",
                DEFERRED, Reason.FAILEDSTARTTLS));
        l.add(c("rebound LocalReplies too big", MAIL, "552 5.3.4 message of 40000000 bytes exceeds the 35882577 bytes mx.example.com accepts (SIZE)",
                BOUNCED_SOFT, Reason.MESGTOOBIG, "enh.X.3.4"));
        l.add(c("rebound LocalReplies bad sender", MAIL, "553 5.1.7 sender address has invalid characters: \"a b@example.org\"",
                BLOCKED_POLICY, Reason.REJECTED, "enh.X.1.7"));
        // terse replies that carry little more than the RFC 3463 code (the code's RFC description as text)
        l.add(c("gmail 5.1.3", RCPT, "553 5.1.3 The recipient address <x@@example.com> is not a valid RFC-5321 address.",
                BOUNCED_HARD, Reason.USERUNKNOWN, "enh.X.1.3"));
        l.add(c("terse 5.1.1", RCPT, "550 5.1.1 <x@example.com>",
                BOUNCED_HARD, Reason.USERUNKNOWN, "enh.X.1.1"));
        l.add(c("terse 5.1.0", RCPT, "550 5.1.0 <x@example.com>",
                BOUNCED_HARD, Reason.USERUNKNOWN, "enh.X.1.0"));
        l.add(c("rfc3463 5.1.4", RCPT, "550 5.1.4 Destination mailbox address ambiguous",
                BOUNCED_SOFT, Reason.FILTERED, "enh.X.1.4"));
        l.add(c("terse 5.1.10", RCPT, "556 5.1.10 <x@example.com>",
                BOUNCED_HARD, Reason.NOTACCEPT, "enh.X.1.10"));
        l.add(c("terse 5.2.0", RCPT, "550 5.2.0 Requested action not taken",
                BOUNCED_SOFT, Reason.FILTERED, "enh.X.2.0"));
        l.add(c("terse 5.2.1", RCPT, "550 5.2.1 <x@example.com>",
                BOUNCED_SOFT, Reason.SUSPEND, "enh.X.2.1"));
        l.add(c("rfc3463 4.4.5", RCPT, "452 4.4.5 Mail system congestion",
                DEFERRED, Reason.SYSTEMFULL, "enh.X.4.5"));
        l.add(c("rfc3463 4.5.3", RCPT, "452 4.5.3 Recipient limit reached",
                DEFERRED, Reason.TOOMANYCONN, "enh.X.5.3"));
        l.add(c("rfc3463 5.6.1", END_OF_DATA, "554 5.6.1 Media not supported",
                BOUNCED_SOFT, Reason.CONTENTERROR, "enh.X.6.x"));
        l.add(c("terse 4.7.1", RCPT, "450 4.7.1 <x@example.com>: Rejected",
                DEFERRED, Reason.BLOCKED, "enh.4.7.1"));
        l.add(c("terse 5.7.1", RCPT, "550 5.7.1 Mail refused",
                BLOCKED_POLICY, Reason.SECURITYERROR, "enh.X.7.x"));
        l.add(c("rfc7372 5.7.20", END_OF_DATA, "550 5.7.20 No passing DKIM signature found",
                BLOCKED_POLICY, Reason.AUTHFAILURE, "enh.X.7.20"));
        l.add(c("rfc7372 5.7.23", END_OF_DATA, "550 5.7.23 SPF validation failed",
                BLOCKED_POLICY, Reason.AUTHFAILURE, "enh.X.7.23"));
        l.add(c("rfc7293 5.7.17", RCPT, "550 5.7.17 Mailbox owner has changed",
                BOUNCED_HARD, Reason.HASMOVED, "enh.X.7.17"));
        l.add(c("rfc3463 X.2.3 wording without code", DATA, "552 Message length exceeds limit set by recipient",
                BOUNCED_SOFT, Reason.EXCEEDLIMIT, "text.exceedlimit"));
        l.add(c("rfc5321 502", RCPT, "502 Command not implemented",
                BOUNCED_SOFT, Reason.SYNTAXERROR, "code.50x"));
        // ------------------------------------------------------------------ conflicts, phases, edge cases
        l.add(c("conflict 450 5.1.1", RCPT, "450 5.1.1 <x@example.com>: mailbox unavailable",
                DEFERRED, Reason.USERUNKNOWN, "text.userunknown+conflict"));
        l.add(c("conflict 550 4.2.2", RCPT, "550 4.2.2 over quota",
                BOUNCED_SOFT, Reason.MAILBOXFULL, "enh.X.2.2+conflict"));
        l.add(c("conflict 554 4.4.7", NONE, "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>",
                BOUNCED_SOFT, Reason.EXPIRED, "enh.X.4.7+conflict"));
        l.add(c("phase MAIL user unknown", MAIL, "550 5.1.1 <bounce@example.org>: User unknown",
                BLOCKED_POLICY, Reason.REJECTED, "text.userunknown@mail"));
        l.add(c("phase MAIL 5.1.1 no text match", MAIL, "550 5.1.1 Sorry",
                BLOCKED_POLICY, Reason.REJECTED, "phase.mail"));
        l.add(c("phase CONNECT no text", CONNECT, "554 mx.example.com",
                BLOCKED_POLICY, Reason.BLOCKED, "phase.connect"));
        l.add(c("rfc5321 250 rcpt", RCPT, "250 2.1.5 Ok",
                DELIVERED, Reason.DELIVERED, "code.2xx"));
        l.add(c("rfc5321 354", DATA, "354 End data with <CR><LF>.<CR><LF>",
                DELIVERED, Reason.DELIVERED, "code.3xx"));
        l.add(c("rfc5321 bare 550", RCPT, "550",
                BOUNCED_SOFT, Reason.UNDEFINED, "code.notext"));
        l.add(c("rfc5321 unknown 550", RCPT, "550 Requested action not taken",
                BOUNCED_SOFT, Reason.ONHOLD, "code.5xx"));
        l.add(c("rfc5321 450 unknown", RCPT, "450 4.0.0 Temporary failure",
                DEFERRED, Reason.ONHOLD, "code.4xx"));
        l.add(c("rfc5321 452 storage", RCPT, "452 Requested action not taken: insufficient system storage",
                DEFERRED, Reason.SYSTEMFULL));
        l.add(c("rfc5321 530 auth", MAIL, "530 Authentication required",
                BLOCKED_POLICY, Reason.SECURITYERROR));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void classifies(Case k) {
        SmtpReply reply = SmtpReplyParser.parse(k.reply());
        Classification c = ReplyClassifier.standard().classify(reply, k.phase(), "example.com");
        assertThat(c.reason()).as("reason; rule %s matched '%s'", c.ruleId(), c.evidence().matched()).isEqualTo(k.reason());
        assertThat(c.outcome()).as("outcome; rule %s", c.ruleId()).isEqualTo(k.outcome());
        if (k.rule() != null) assertThat(c.ruleId()).isEqualTo(k.rule());
        assertThat(c.evidence().replyCode()).isEqualTo(reply.code());
        assertThat(c.evidence().text()).isEqualTo(reply.text());
        assertThat(c.evidence().matched()).isNotEmpty();
    }

    @Test
    void scanText_joinsContinuationLinesWithoutTheirEnhancedCode() {
        assertThat(ReplyClassifier.scanText("5.7.1 very low\n5.7.1 reputation\tof  the IP")).isEqualTo("5.7.1 very low reputation of the IP");
        String plain = "5.1.1 user unknown";
        assertThat(ReplyClassifier.scanText(plain)).isSameAs(plain);
    }

    @Test
    void everyTextRuleAndMostStatusRulesAreExercisedByACase() {
        java.util.Set<String> hit = new java.util.TreeSet<>();
        cases().forEach(k -> hit.add(ReplyClassifier.standard()
                .classify(SmtpReplyParser.parse(k.reply()), k.phase(), "").ruleId().replaceAll("[+@].*", "")));
        List<String> unhit = ReplyClassifier.standard().rules().stream().map(ReplyRule::id)
                .filter(id -> !hit.contains(id)).toList();
        System.out.println("rules without a table case: " + unhit);
        assertThat(unhit).noneMatch(id -> id.startsWith("text."));
    }

    @Test
    void dsnInputsWithoutReplyCode() {
        ReplyClassifier c = ReplyClassifier.standard();
        // Postfix DSN: Status 4.4.1, Diagnostic-Code "X-Postfix; connect to ...: Connection timed out" (corpus lhost-postfix)
        Classification gaveUp = c.classify(new ReplyInput(0, java.util.Optional.of(new dev.rebound.core.smtp.EnhancedStatus(4, 4, 1)),
                "connect to example.org[192.0.2.1]:25: Connection timed out", NONE, ""));
        assertThat(gaveUp.ruleId()).isEqualTo("dsn.transient-status");
        assertThat(gaveUp.reason()).isEqualTo(Reason.EXPIRED);
        assertThat(gaveUp.outcome()).isEqualTo(DEFERRED);
        // Status 5.1.1 and no diagnostic text at all
        Classification status = c.classify(new ReplyInput(0, java.util.Optional.of(new dev.rebound.core.smtp.EnhancedStatus(5, 1, 1)),
                "", NONE, ""));
        assertThat(status.ruleId()).isEqualTo("enh.X.1.1");
        assertThat(status.outcome()).isEqualTo(BOUNCED_HARD);
        // Neither code nor status, text without a known phrase
        Classification none = c.classify(new ReplyInput(0, java.util.Optional.empty(), "it went wrong", NONE, ""));
        assertThat(none.ruleId()).isEqualTo("code.none");
        assertThat(none.outcome()).isEqualTo(BOUNCED_SOFT);
        Classification empty = c.classify(new ReplyInput(0, java.util.Optional.empty(), "", NONE, ""));
        assertThat(empty.reason()).isEqualTo(Reason.UNDEFINED);
        // Status 2.0.0 only
        Classification ok = c.classify(new ReplyInput(0, java.util.Optional.of(new dev.rebound.core.smtp.EnhancedStatus(2, 0, 0)),
                "", NONE, ""));
        assertThat(ok.ruleId()).isEqualTo("status.2xx");
        assertThat(ok.outcome()).isEqualTo(DELIVERED);
    }

    @Test
    void atLeast150Cases() {
        assertThat(cases().count()).isGreaterThanOrEqualTo(150);
    }

    @Test
    void evidenceMatched_isThePhraseAsWrittenInTheReply() {
        Classification c = ReplyClassifier.standard().classify(
                SmtpReplyParser.parse("550 5.7.1 Client host [192.0.2.1] blocked using ZEN.SPAMHAUS.ORG"), RCPT, "example.com");
        assertThat(c.ruleId()).isEqualTo("text.blocklist");
        assertThat(c.evidence().matched()).isEqualTo("SPAMHAUS");
        Classification s = ReplyClassifier.standard().classify(SmtpReplyParser.parse("552 5.2.2 x"), RCPT, "");
        assertThat(s.evidence().matched()).isEqualTo("5.2.2");
    }
}
