package dev.rebound.core.classify;

import static dev.rebound.core.classify.Match.all;
import static dev.rebound.core.classify.Match.code;
import static dev.rebound.core.classify.Match.noText;
import static dev.rebound.core.classify.Match.not;
import static dev.rebound.core.classify.Match.phase;
import static dev.rebound.core.classify.Match.status;
import static dev.rebound.core.classify.Match.statusClass;
import static dev.rebound.core.classify.Match.subject;
import static dev.rebound.core.classify.Match.text;

import dev.rebound.core.classify.ReplyRule.Tier;
import java.util.ArrayList;
import java.util.List;

/**
 * The standard rule table of the {@link ReplyClassifier}, in precedence order within each tier
 * (tiers: {@link Tier#STATUS_FIRM} → {@link Tier#TEXT} → {@link Tier#CONTEXT} → {@link Tier#STATUS} →
 * {@link Tier#CODE}). To add a rule, add one line in the right place: more specific phrases above more
 * general ones. Rule ids are stable; tests and stored evidence refer to them.
 *
 * <p>Sources: RFC 3463 (enhanced codes), RFC 5248 (the IANA registry), RFC 7372 (X.7.13, X.7.20–X.7.26),
 * RFC 7505 (null MX: X.1.10, X.7.27), RFC 8689 (X.7.30), RFC 5321 §4.2 (reply codes), and the receivers'
 * published wording (Gmail, Microsoft 365/Outlook.com, Yahoo/AOL, iCloud, GMX/web.de, Orange, Comcast/Cox,
 * Spamhaus and other DNSBLs). The phrases were written for Rebound from those public texts.
 */
public final class ReplyRules {
    private ReplyRules() {}

    private static final List<ReplyRule> STANDARD = build();

    /** The standard table (immutable). */
    public static List<ReplyRule> standard() {
        return STANDARD;
    }

    private static List<ReplyRule> build() {
        List<ReplyRule> t = new ArrayList<>();

        // ---------------------------------------------------------------- STATUS_FIRM (RFC 3463 et al.)
        addFirm(t, "enh.X.1.6", status(1, 6), Reason.HASMOVED, "RFC 3463 X.1.6 destination mailbox has moved, no forwarding address");
        addFirm(t, "enh.X.1.7", status(1, 7), Reason.REJECTED, "RFC 3463 X.1.7 bad sender's mailbox address syntax");
        addFirm(t, "enh.X.1.8", status(1, 8), Reason.REJECTED, "RFC 3463 X.1.8 bad sender's system address");
        addFirm(t, "enh.X.2.2", status(2, 2), Reason.MAILBOXFULL, "RFC 3463 X.2.2 mailbox full (persistent transient)");
        addFirm(t, "enh.X.2.3", status(2, 3), Reason.EXCEEDLIMIT, "RFC 3463 X.2.3 message length exceeds administrative limit");
        addFirm(t, "enh.X.3.1", status(3, 1), Reason.SYSTEMFULL, "RFC 3463 X.3.1 mail system full");
        addFirm(t, "enh.X.3.4", status(3, 4), Reason.MESGTOOBIG, "RFC 3463 X.3.4 message too big for system");
        addFirm(t, "enh.X.4.7", status(4, 7), Reason.EXPIRED, "RFC 3463 X.4.7 delivery time expired");
        addFirm(t, "enh.X.7.13", status(7, 13), Reason.SUSPEND, "RFC 7372 X.7.13 user account disabled");
        addFirm(t, "enh.X.7.16", status(7, 16), Reason.MESGTOOBIG, "RFC 6710 X.7.16 message too big for the priority");
        addFirm(t, "enh.X.7.17", status(7, 17), Reason.HASMOVED, "RFC 7293 X.7.17 mailbox owner has changed");
        addFirm(t, "enh.X.7.18", status(7, 18), Reason.HASMOVED, "RFC 7293 X.7.18 domain owner has changed");
        addFirm(t, "enh.X.7.20", status(7, 20), Reason.AUTHFAILURE, "RFC 7372 X.7.20 no passing DKIM signature");
        addFirm(t, "enh.X.7.21", status(7, 21), Reason.AUTHFAILURE, "RFC 7372 X.7.21 no acceptable DKIM signature");
        addFirm(t, "enh.X.7.22", status(7, 22), Reason.AUTHFAILURE, "RFC 7372 X.7.22 no valid author-matched DKIM signature");
        addFirm(t, "enh.X.7.23", status(7, 23), Reason.AUTHFAILURE, "RFC 7372 X.7.23 SPF validation failed");
        addFirm(t, "enh.X.7.24", status(7, 24), Reason.AUTHFAILURE, "RFC 7372 X.7.24 SPF validation error");
        addFirm(t, "enh.X.7.25", status(7, 25), Reason.REQUIREPTR, "RFC 7372 X.7.25 reverse DNS validation failed");
        addFirm(t, "enh.X.7.26", status(7, 26), Reason.AUTHFAILURE, "RFC 7372 X.7.26 multiple authentication checks failed (Gmail: SPF/DKIM/DMARC)");
        addFirm(t, "enh.X.7.27", status(7, 27), Reason.REJECTED,
                "RFC 7505 X.7.27 the SENDER's domain has a null MX: about us, not the recipient (Sisimai says notaccept)");
        addFirm(t, "enh.X.7.29", status(7, 29), Reason.AUTHFAILURE, "RFC 8617 X.7.29 ARC validation failure");
        addFirm(t, "enh.X.7.30", status(7, 30), Reason.FAILEDSTARTTLS, "RFC 8689 X.7.30 REQUIRETLS support required");

        // ---------------------------------------------------------------- TEXT (most specific first)
        // Null MX and DNS: the delivery engine's own synthetic replies and Gmail's DSN wording.
        addText(t, "text.nullmx", Reason.NOTACCEPT, "RFC 7505 null MX wording; Gmail 'returned Null MX'",
                "null mx", "does not accept mail", "doesn't receive email", "accepts no mail", "domain does not receive mail");
        addText(t, "text.dns.error", Reason.NETWORKERROR, "Gmail DSN 'DNS Error: ... responded with code'; resolver failures",
                "dns error", "servfail", "serverfailure", "dns query failed", "unexpected name server reply", "dns lookup failed", "dns timeout", "temporary dns", "dns temporary failure",
                "dns server failure");
        addText(t, "text.loop", Reason.NETWORKERROR, "RFC 5321 §6.3 loop detection; Exchange/Postfix wording",
                "routing loop", "mail loop", "loops back to myself", "hop count exceeded", "too many hops",
                // Lotus Notes/Domino "Message has exceeded maximum hop count"
                "maximum hop count");

        // Greylisting before anything else that a greylisting reply also says ('Recipient address rejected').
        addText(t, "text.greylist", Reason.POLICYVIOLATION,
                "greylisting (Postgrey 'Greylisted, see http://postgrey.schweikert.ch/', 'greylisted, try again later')",
                "greylist", "graylist", "grey-list", "gray-list", "grey list", "gray list", "postgrey");
        // Reputation comes before rate limits: Outlook's 'rate limited due to IP reputation' is about reputation.
        addText(t, "text.reputation", Reason.BADREPUTATION,
                "Gmail 'very low reputation of the sending IP/domain'; Outlook.com S3113/S3140; Yahoo TSS04 'user complaints'",
                "low reputation", "poor reputation", "bad reputation", "ip reputation", "sender reputation",
                "domain reputation", "reputation of the sending", "reputation of your", "user complaints");
        // Rate limits and connection limits.
        // A mailbox over its message-count limit (GMX/web.de "Benutzer hat zuviele Mails auf dem Server / User has too
        // many messages on the server") before the rate limits, whose "too many messages" it also says.
        addText(t, "text.mailboxfull.count", Reason.MAILBOXFULL,
                "GMX/web.de message-count quota 'User has too many messages on the server'",
                "too many messages on the server", "too many messages in the mailbox", "too many messages in mailbox",
                "zuviele mails", "zu viele mails", "mailbox has too many messages");
        addText(t, "text.ratelimit.hourly", Reason.SPEEDING,
                "GoDaddy/Comcast 'has sent to too many recipients this hour' (before the connection/recipient limits)",
                "recipients this hour", "messages this hour", "has sent to too many", "per hour", "per day");
        addText(t, "text.toomanyconn", Reason.TOOMANYCONN,
                "Postfix/Exim connection limits; QQ 'Connection frequency limited'; RFC 5321 §4.5.3.1.10 too many recipients",
                "too many connections", "connection rate limit", "connection frequency", "too many concurrent",
                "too many simultaneous", "too many sessions", "connection limit", "too many open connections",
                // Tencent QQ Mail 'IP/domain/sender/connection frequency limited' (service.mail.qq.com/detail/122/172-175)
                "frequency limited",
                "too many recipients", "too many smtp sessions");
        addText(t, "text.ratelimit", Reason.SPEEDING,
                "Gmail 4.7.28/5.2.1 'receiving mail at a rate', Outlook.com 'temporarily rate limited', Yahoo TS01/TS02, "
                        + "Comcast/Cox 'too many recipients this hour'",
                "rate limit", "ratelimit", "rate-limit", "receiving mail at a rate", "sending rate", "sending quota",
                "sending limit", "daily user sending",
                "too many messages", "too many emails", "sent too many", "exceeded the maximum number of", "throttl", "slow down", "too fast",
                "try again at a later time", "quota for sending", "volume of mail",
                // Microsoft 365 5.1.90 "you've reached your daily limit for message recipients"
                "daily limit for", "reached your daily limit",
                // Tencent QQ Mail 550 'Mailbox unavailable or access denined' (sic) is its receiving-rate limit, and
                // 'frequency of receiving messages is limited' (service.mail.qq.com/detail/122/166, /1011)
                "access denined", "frequency of receiving messages");

        // Message format before spam and blocks: Gmail's 'not RFC 5322 compliant ... this message has been blocked'.
        addText(t, "text.notcompliant", Reason.NOTCOMPLIANTRFC,
                "Gmail 5.7.1 'not RFC 5322 compliant', 'multiple addresses in From: header'; SES 'Duplicate header'",
                "rfc 5322", "rfc5322", "rfc 2822", "rfc2822", "not compliant with rfc", "multiple addresses in from",
                "duplicate header", "multiple subject", "addresses in from:", "missing message-id", "invalid message-id", "multiple from");

        // Explicit spam verdicts (before authentication: Google Groups 'rejected due to spam classification ... Set up SPF').
        addText(t, "text.spam.verdict", Reason.SPAMDETECTED,
                "Google Groups 'spam classification'; SpamAssassin/amavis 'scored as spam'; Exchange 'message content rejected, UBE'; "
                        + "Orange OFR_506 'Mail rejete' (its content filter, listed with spam/virus refusals by French postmaster guides)",
                "spam classification", "scored as spam", "classified as spam", "detected as spam", "identified as spam",
                "considered spam", "looks like spam", "likely spam", "spam score", "message content rejected",
                "content rejected, ube", "spam message rejected", "rejected as spam", "marked as spam", "spamassassin",
                "unsolicited mail", "bulk mail",
                // Tencent QQ Mail 'spam is embedded in the email', 'mail content denied' (detail/122/59, /171)
                "spam is embedded", "mail content denied",
                // Orange/Wanadoo content filter after DATA: "550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]"
                "mail rejete", "ofr_506");
        addText(t, "text.virus", Reason.VIRUSDETECTED, "virus scanner replies (ClamAV, amavis, Exchange)",
                "virus", "malware", "infected", "trojan");

        // Authentication: SPF, DKIM, DMARC.
        addText(t, "text.auth", Reason.AUTHFAILURE,
                "Gmail 5.7.26/5.7.1 DMARC wording; Yahoo 'DMARC policy'; iCloud HT204137; Outlook 'failed DMARC'; QQ 'DMARC check failed'",
                "dmarc", "dkim", "spf", "sender policy framework", "domainkeys", "not pass authentication",
                "authentication checks", "authentication information",
                "failed authentication", "authentication failed for the domain", "unauthenticated email");

        // PTR / reverse DNS.
        addText(t, "text.ptr", Reason.REQUIREPTR,
                "Gmail 5.7.25 'PTR record'; GMX/web.de 'Bad DNS PTR resource record'; Postfix reject_unknown_client 'IP name lookup failed'",
                "ptr record", "ptr resource record", "dns ptr", "no ptr", "reverse dns", "reverse-dns", "rdns",
                "reverse lookup", "reverse mapping", "ip name lookup failed", "mismatches client ip",
                "cannot find your hostname", "cannot find your reverse hostname", "cannot resolve your hostname", "no hostname", "ptr lookup");

        // Relaying.
        addText(t, "text.norelay", Reason.NORELAYING, "Postfix 'Relay access denied'; Exchange 5.7.54 'Unable to relay'; sendmail 'Relaying denied'",
                "relay access denied", "relaying denied", "relay denied", "not permitted to relay", "relay not permitted",
                "unable to relay", "not configured to relay", "relaying not allowed", "relay not allowed",
                "we do not relay", "relaying mail to", "allowed rcpthosts",
                // MessageLabs / qmail-style "you are trying to use me [host] as a relay, but I have not been configured to let you"
                "as a relay, but", "not been configured to let", "insecure mail relay", "email address is not verified", "no relaying", "not allowed to relay", "relaying is not");

        // Mailbox full / storage (before suspend: Gmail 'out of storage space and inactive').
        addText(t, "text.mailboxfull", Reason.MAILBOXFULL,
                "sendmail/Postfix 'Mailbox Full'; iCloud 'user is over quota'; Gmail OverQuota; Exchange QuotaExceeded; Orange 'boite pleine'",
                "mailbox full", "mailbox is full", "mailbox has exceeded", "mailbox exceeds", "mailbox size limit",
                "over quota", "overquota", "over the quota", "quota exceeded", "quotaexceeded", "exceeded storage",
                "exceeds quota", "exceeded its quota", "out of storage", "inbox is full", "account is full",
                "full mailbox", "disk quota", "mailfolder is full", "boite pleine", "postfach voll",
                "insufficient storage for the mailbox", "storage allocation", "not enough storage",
                // more over-quota wordings (mailbox size or quota reached; Italian, Spanish, Portuguese, German forms)
                "mailbox size exceeded", "quota reached", "reached its quota", "over its quota", "exceeded the quota",
                "mailbox capacity", "mailbox has reached", "casella piena", "buzon lleno", "caixa postal cheia",
                "postfach ist voll");
        addText(t, "text.systemfull", Reason.SYSTEMFULL, "RFC 5321 452 insufficient system storage; disk space errors",
                "insufficient disk space", "insufficient system storage", "disk full", "out of disk", "no space left");
        addText(t, "text.exceedlimit", Reason.EXCEEDLIMIT, "RFC 3463 X.2.3 wording 'exceeds limit set by recipient'",
                "limit set by recipient", "exceeds the recipient", "per-recipient message size");
        addText(t, "text.mesgtoobig", Reason.MESGTOOBIG, "RFC 5321 552 'message size exceeds fixed maximum message size'; Gmail 5.3.4",
                "message too large", "message too big", "message is too large", "message is too big",
                "message size exceeds", "size exceeds", "exceeds size limit", "exceeds the maximum size",
                "exceeds maximum message size", "message length exceeds", "too large for this",
                "message size exceeded", "max message size");

        // Suspended or disabled mailboxes.
        addText(t, "text.suspend", Reason.SUSPEND,
                "Gmail 5.2.1 'account that you tried to reach is disabled/inactive'; Yahoo 'inactive mailbox'; Postfix 'temporary locked'",
                "is disabled", "has been disabled", "account disabled", "mailbox disabled", "disabled recipient",
                "is inactive", "account inactive", "inactive account", "inactive mailbox", "account suspended",
                "account has been suspended", "mailbox suspended", "user suspended", "is suspended",
                "temporarily locked", "temporary locked", "account locked", "deactivated", "account has expired",
                "account is expired", "not active", "blocked account", "account is blocked");

        addText(t, "text.expired", Reason.EXPIRED, "RFC 3463 X.4.7 wording; Exchange QUEUE.Expired; Postfix/sendmail queue lifetime",
                "message expired", "queue.expired", "delivery time expired", "retry timeout", "retry time exceeded",
                "too long in queue", "could not be delivered within", "unable to deliver in", "maximum time in queue");

        // Moved.
        addText(t, "text.hasmoved", Reason.HASMOVED, "RFC 5321 551 'User not local; please try <forward-path>'",
                "no longer on server", "has moved", "mailbox moved", "user not local", "not our user",
                "no longer with", "address has changed", "please try <");

        // Recipient-side filters.
        addText(t, "text.filtered", Reason.FILTERED,
                "Facebook 'Refused due to recipient preferences'; sendmail 'Message Filtered'; recipient rule wording",
                "recipient preferences", "message filtered", "filtered by", "rejected by recipient",
                "recipient does not accept", "recipient has rejected", "refused by recipient", "recipient's filter");

        // The envelope sender refused by name, before the DNSBL wording it may also carry: Postfix's reject_rhsbl_sender
        // reply '$rbl_class [$rbl_what] blocked using $rbl_domain' with the class 'Sender address' (a domain block list
        // such as Spamhaus DBL lists the sender's domain, not the client IP); Mimecast 'envelope blocked' (a blocked
        // senders policy).
        addText(t, "text.rejected.listed-sender", Reason.REJECTED,
                "Postfix reject_rhsbl_sender 'Sender address [...] blocked using dbl.spamhaus.org'; Mimecast 'Administrative "
                        + "prohibition - envelope blocked'",
                "sender address [", "envelope blocked");
        // DNSBL listings (before the sender rule: Cox 'sender rejected ... AUP#CDRBL' is an RBL block).
        addText(t, "text.blocklist", Reason.BLOCKED,
                "Spamhaus/SpamCop/Barracuda/SORBS/Proofpoint/Cloudmark DNSBL replies; Postfix 'blocked using'; Cox 'AUP#CDRBL'",
                // Barracuda by its block list (BRBL, b.barracudacentral.org), not by the vendor's name: its content
                // filter says "rejected by Barracuda spam filter", a spam verdict
                "spamhaus", "spamcop", "barracuda reputation", "barracudacentral", "sorbs", "dnsbl", "rbl", "blocked using", "is listed", "listed on",
                "listed at", "currently listed", "listed by", "blacklist", "blocklist", "block list", "black list",
                "denylist", "cloudmark", "proofpoint");
        // Sender rejected (envelope MAIL FROM).
        addText(t, "text.rejected.sender", Reason.REJECTED,
                "sendmail/Postfix 'Sender address rejected', 'Domain of sender address ... does not exist'; 'sender verify failed'",
                "sender address rejected", "sender rejected", "domain of sender", "sender domain", "sender verify failed",
                "sender verification failed", "invalid sender", "unknown sender", "sender unknown", "sender denied",
                "bad sender", "sender not allowed", "sender is not allowed", "sender address is not", "from address rejected",
                "mail from rejected", "envelope sender", "not a registered gateway user",
                // Microsoft 365 5.7.124 "Sender not in allowed-senders list" (a restricted group or mailbox)
                "allowed-senders list", "allowed senders list");

        // Host unknown (before userunknown: 'domain does not exist' contains 'does not exist').
        addText(t, "text.hostunknown", Reason.HOSTUNKNOWN,
                "Postfix 'Host or domain name not found', sendmail 'Host unknown', RFC 5321 unrouteable domain",
                "host unknown", "unknown host", "host not found", "domain not found", "domain name not found",
                "no such domain", "domain does not exist", "domain doesn't exist", "nxdomain", "invalid domain",
                "unrouteable domain", "unroutable domain", "domain is not valid", "bad destination system",
                "no mx record", "domain unknown", "unknown domain");

        // A provider's own suppression list: nothing was sent this time (before userunknown: SES says why it listed it).
        addText(t, "text.suppressed", Reason.SUPPRESSED,
                "Amazon SES 'has suppressed sending to this address because it has a recent history of bouncing'; "
                        + "ESP suppression-list drops",
                "suppressed sending", "suppression list", "on the suppression", "address is suppressed");

        // Directory-harvest defences count unknown recipients: the SENDER is blocked, the mailbox is not judged
        // (before userunknown, whose 'unknown recipients' they also say).
        addText(t, "text.harvest", Reason.BLOCKED,
                "Yahoo TSS11 'Excessive unknown recipients - possible Directory Harvest Attack'; DHA defences of "
                        + "Proofpoint/Barracuda/Cisco ('directory harvest')",
                "directory harvest", "harvest attack", "excessive unknown recipients", "too many unknown recipients",
                "too many invalid recipients");

        // User unknown.
        addText(t, "text.userunknown", Reason.USERUNKNOWN,
                "sendmail/Postfix 'User unknown'; Gmail NoSuchUser; Exchange RESOLVER.ADR.RecipNotFound, 5.4.1 DBEB 'Recipient address rejected: "
                        + "Access denied'; Yahoo 'This user doesn't have a ... account'; Orange 'destinataire invalide'; GMX 'mailbox unavailable'",
                "user unknown", "unknown user", "no such user", "user not found", "user does not exist", "user doesn't exist",
                "recipient not found", "recipientnotfound", "recipnotfound", "unknown recipient", "recipient unknown",
                "no such recipient", "invalid recipient", "recipient address rejected", "recipient rejected",
                "address rejected", "does not exist", "doesn't exist", "mailbox unavailable", "mailbox not found",
                "no mailbox", "no such mailbox", "mailbox does not", "not a valid mailbox", "unknown address",
                "address unknown", "invalid address", "bad recipient", "undeliverable address", "unrouteable address",
                "unknown or illegal alias", "user doesn't have a", "not a known user",
                "no such account", "account does not", "destinataire invalide", "utilisateur inconnu", "adresse inconnue",
                "unbekannt", "existiert nicht", "unknown local part", "invalid mailbox", "mailbox is unavailable",
                "not listed in domino directory", "not listed in the directory", "not listed in public name",
                "no valid recipients", "addressee unknown", "recipient invalid",
                // qmail's badrcptto patch "553 sorry, badrcptto(user mail-box not found)"; "No mail box available for
                // this user"; "550 BAD_RECIPIENT"; FreeUK-style "is not an active address at this host"
                "mail-box not found", "mail box not found", "no mail box", "bad_recipient", "badrcptto",
                "not an active address", "not a valid user", "not a valid recipient");

        // Blocked: DNSBLs and sender IP/host blocks (after the auth/spam verdicts, which also say 'blocked').
        addText(t, "text.blocked", Reason.BLOCKED,
                "Postfix 'Client host rejected'; Orange 'Service refuse' / 'Adresse IP source bloquee'; Outlook.com 'banned'; "
                        + "GMX 'Service not available'; 'refused to talk to me'",
                "client host rejected", "client host blocked", "ip address blocked", "ip blocked", "blocked ip",
                "host blocked", "your ip", "ip address has been", "has been blocked", "are blocked", "is blocked",
                "blocked for", "bloquee", "service refuse", "refused to talk to me", "banned", "not allowed to send",
                "may not be mail exchanger", "access refused", "not allowed to connect", "blocked by", "blocked -", "not accepted from this ip",
                "permanently deferred",
                "sender ip", "sending ip", "not accepting mail from", "poor ip", "ip has been",
                // Microsoft 365 5.7.7xx 'Client blocked from sending from unregistered domains'; Outlook.com
                // SC-001/RP-001/S3140 'messages from [IP] weren't sent'; allow-list-only receivers
                "client blocked", "weren't sent", "were not sent", "not in whitelist", "not whitelisted",
                "not on the allow list", "not in the allow list",
                // Gmail 5.7.1 'not authorized to send email directly to our servers. Please use the SMTP relay at your
                // service provider'; ISP port-25 policies 'use the smtp server of your ISP' (dynamic/residential IPs)
                "send email directly", "send mail directly", "smtp relay at your service provider",
                "smtp server of your isp", "your isp's smtp server", "dynamic ip", "dynamically-assigned",
                // Microsoft 365 5.7.705 "Access denied, tenant has exceeded threshold" (the sending tenant is banned)
                "tenant has exceeded threshold",
                // Tencent QQ Mail 'suspected bounce attacks', 'suspected spam ip', 'connection denied' (detail/122/57, /66, /170)
                "suspected bounce attack", "suspected spam ip", "connection denied");

        // Generic spam and policy.
        addText(t, "text.spam", Reason.SPAMDETECTED, "generic spam wording ('- SPAM', 'spam detected')",
                "spam", "ube", "junk mail");
        addText(t, "text.policy", Reason.POLICYVIOLATION,
                "Yahoo 5.7.9 'Message not accepted for policy reasons'; Gmail 5.7.0 'content presents a potential security issue'; 'local policy'",
                "policy reasons", "local policy", "policy violation", "violates", "violation of", "not allowed by policy",
                "rejected by policy", "message not allowed", "content presents a potential", "against policy",
                "policy rejection", "prohibit", "not accepted for policy", "policy restrictions", "content restrictions",
                "anti-spoofing", "attachment type", "attachment not allowed", "attachments are not allowed",
                "prohibited attachment", "blocked attachment", "executable attachment", "potentially executable",
                // AOL "not accepting mail with attachments or embedded images" (the recipient's mail controls)
                "mail with attachments", "embedded images");
        addText(t, "text.starttls", Reason.FAILEDSTARTTLS, "RFC 3207 530 'Must issue a STARTTLS command first'; TLS required",
                "starttls", "tls required", "requires tls", "encryption required", "tls is required", "must use tls",
                "tls negotiation failed", "tls not available");
        addText(t, "text.security", Reason.SECURITYERROR,
                "Exchange RESOLVER.RST.AuthRequired; RFC 4954 530/535; 'Access denied', 'not authorized'",
                "authentication required", "authrequired", "access denied", "not authorized", "unauthorized",
                "unauthenticated", "not authenticated", "authentication is required", "authentication failed", "permission denied",
                "delivery not authorized");
        addText(t, "text.content", Reason.CONTENTERROR, "RFC 3463 X.6.x wording: headers, 8-bit data, MIME",
                "headers too large", "header too large", "8-bit data", "8bit data", "bare lf", "invalid mime",
                "improper use", "header is too long", "malformed message", "malformed header", "line too long", "bad header");
        addText(t, "text.tryagain", Reason.ONHOLD,
                "a bare 'try again later' (greylisting without saying so, overload): transient, reason unknown",
                "try again later", "try later", "please try again", "essayer plus tard", "versuchen sie es spater");

        t.add(new ReplyRule("text.systemerror", Tier.TEXT, all(text(
                "system error", "internal error", "server error", "local error", "service unavailable",
                "service not available", "service currently unavailable", "transaction failed", "could not load",
                "temporary server", "resources temporarily",
                "temporarily unavailable", "queue error"),
                not(all(code(500, 599), phase(SmtpPhase.CONNECT, SmtpPhase.EHLO)))), Reason.SYSTEMERROR, null,
                "RFC 5321 421/451/554 'service not available', 'local error in processing', 'transaction failed'; "
                        + "a 5xx 'service unavailable' greeting is a block (phase.connect), not a system error"));

        // ---------------------------------------------------------------- CONTEXT
        addContext(t, "phase.connect", all(code(500, 599), phase(SmtpPhase.CONNECT, SmtpPhase.EHLO)), Reason.BLOCKED,
                "RFC 5321 §3.1/§4.3.2 a 5xx greeting or EHLO reply refuses the client itself");
        addContext(t, "phase.mail", all(code(500, 599), phase(SmtpPhase.MAIL)), Reason.REJECTED,
                "RFC 5321 §3.3 a 5xx to MAIL FROM refuses the envelope sender");
        addContext(t, "phase.starttls", all(code(400, 599), phase(SmtpPhase.STARTTLS)), Reason.FAILEDSTARTTLS,
                "RFC 3207 §4 STARTTLS refused");
        addContext(t, "phase.auth", all(code(500, 599), phase(SmtpPhase.AUTH)), Reason.SECURITYERROR,
                "RFC 4954 AUTH refused");
        addContext(t, "dsn.transient-status", all(code(0, 0), statusClass(4), not(noText())), Reason.EXPIRED,
                "a DSN with a 4.x.x status and no reply code: the reporting MTA kept retrying and gave up");

        // ---------------------------------------------------------------- STATUS (generic RFC 3463 table)
        addStatus(t, "enh.X.1.0", status(1, 0), Reason.USERUNKNOWN, "RFC 3463 X.1.0 other address status");
        addStatus(t, "enh.X.1.1", status(1, 1), Reason.USERUNKNOWN, "RFC 3463 X.1.1 bad destination mailbox address");
        addStatus(t, "enh.X.1.2", status(1, 2), Reason.HOSTUNKNOWN, "RFC 3463 X.1.2 bad destination system address (our NXDOMAIN: 550 5.1.2)");
        addStatus(t, "enh.X.1.3", status(1, 3), Reason.USERUNKNOWN, "RFC 3463 X.1.3 bad destination mailbox address syntax");
        addStatus(t, "enh.X.1.4", status(1, 4), Reason.FILTERED, "RFC 3463 X.1.4 destination mailbox address ambiguous");
        addStatus(t, "enh.X.1.9", status(1, 9), Reason.SYSTEMERROR, "RFC 3886 X.1.9 message relayed to non-compliant mailer");
        addStatus(t, "enh.X.1.10", status(1, 10), Reason.NOTACCEPT, "RFC 7505 X.1.10 recipient address has null MX (our 556 5.1.10)");
        addStatus(t, "enh.X.2.0", status(2, 0), Reason.FILTERED, "RFC 3463 X.2.0 other or undefined mailbox status");
        addStatus(t, "enh.X.2.1", status(2, 1), Reason.SUSPEND, "RFC 3463 X.2.1 mailbox disabled, not accepting messages");
        addStatus(t, "enh.X.2.4", status(2, 4), Reason.FILTERED, "RFC 3463 X.2.4 mailing list expansion problem");
        addStatus(t, "enh.X.3.x", subject(3), Reason.SYSTEMERROR, "RFC 3463 X.3.x mail system status (X.3.2 not accepting messages is "
                + "systemerror here, not notaccept: it is a host state, not a domain property)");
        addStatus(t, "enh.X.4.4", status(4, 4), Reason.HOSTUNKNOWN, "RFC 3463 X.4.4 unable to route");
        addStatus(t, "enh.X.4.5", status(4, 5), Reason.SYSTEMFULL, "RFC 3463 X.4.5 mail system congestion");
        addStatus(t, "enh.X.4.x", subject(4), Reason.NETWORKERROR,
                "RFC 3463 X.4.x network and routing (X.4.1 no answer, X.4.2 bad connection, X.4.3 directory server failure)");
        addStatus(t, "enh.X.5.3", status(5, 3), Reason.TOOMANYCONN, "RFC 3463 X.5.3 too many recipients");
        addStatus(t, "enh.X.5.x", subject(5), Reason.SYNTAXERROR, "RFC 3463 X.5.x mail delivery protocol status");
        addStatus(t, "enh.X.6.x", subject(6), Reason.CONTENTERROR, "RFC 3463 X.6.x message content or media status");
        addStatus(t, "enh.4.7.1", all(status(7, 1), statusClass(4)), Reason.BLOCKED,
                "RFC 3463 4.7.1 delivery not authorized, temporarily (sender blocks, greylisting)");
        addStatus(t, "enh.X.7.x", subject(7), Reason.SECURITYERROR,
                "RFC 3463 X.7.x security or policy status (X.7.1 delivery not authorized, X.7.8/X.7.9 auth)");

        // ---------------------------------------------------------------- CODE
        addCode(t, "code.551", code(551), Reason.HASMOVED, "RFC 5321 551 user not local; please try <forward-path>");
        addCode(t, "code.50x", code(500, 504), Reason.SYNTAXERROR, "RFC 5321 500-504 syntax errors");
        addCode(t, "code.530", code(530), Reason.SECURITYERROR, "RFC 4954 530 authentication required");
        addCode(t, "code.535", code(535), Reason.SECURITYERROR, "RFC 4954 535 authentication credentials invalid");
        addCode(t, "code.552", code(552), Reason.MAILBOXFULL, "RFC 5321 552 exceeded storage allocation");
        addCode(t, "code.452", code(452), Reason.SYSTEMFULL, "RFC 5321 452 insufficient system storage");
        addCode(t, "code.notext", noText(), Reason.UNDEFINED, "no text to go by");
        addCode(t, "code.4xx", code(400, 499), Reason.ONHOLD, "a transient failure with no recognisable reason");
        addCode(t, "code.5xx", code(500, 599), Reason.ONHOLD, "a permanent failure with no recognisable reason");
        addCode(t, "code.none", code(0, 0), Reason.ONHOLD, "no reply code and no recognisable reason (a DSN)");
        addCode(t, "code.other", code(1, 999), Reason.ONHOLD, "any other code");
        return List.copyOf(t);
    }

    private static void addFirm(List<ReplyRule> t, String id, Match m, Reason r, String note) {
        t.add(new ReplyRule(id, Tier.STATUS_FIRM, m, r, null, note));
    }

    private static void addStatus(List<ReplyRule> t, String id, Match m, Reason r, String note) {
        t.add(new ReplyRule(id, Tier.STATUS, m, r, null, note));
    }

    private static void addText(List<ReplyRule> t, String id, Reason r, String note, String... phrases) {
        t.add(new ReplyRule(id, Tier.TEXT, text(phrases), r, null, note));
    }

    private static void addContext(List<ReplyRule> t, String id, Match m, Reason r, String note) {
        t.add(new ReplyRule(id, Tier.CONTEXT, m, r, null, note));
    }

    private static void addCode(List<ReplyRule> t, String id, Match m, Reason r, String note) {
        t.add(new ReplyRule(id, Tier.CODE, m, r, null, note));
    }
}
