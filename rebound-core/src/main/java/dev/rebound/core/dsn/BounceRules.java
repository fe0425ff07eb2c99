package dev.rebound.core.dsn;

import dev.rebound.core.classify.Reason;
import dev.rebound.core.classify.SmtpPhase;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ordered reason rules for what bounce MAILS say (RFC 3464 Action/Status, RFC 3463 codes, and the wording
 * MTAs use in their own bounce texts). Evaluated in order; the first match wins and its id is the rule id.
 * <ol>
 *   <li>Bounce-mail situations no SMTP reply expresses (delivery time expired, retry timeout, Action: delayed,
 *       host not found while the MTA resolved the domain, local mailer failures).</li>
 *   <li>The recipient-side classes, each matched by its RFC 3463 code OR its wording, in the order
 *       mailbox full → size → suspended → moved → relaying → authentication → unknown user → filtered →
 *       PTR → RFC compliance → reputation → content → sender rejected → host unknown → spam → rate →
 *       connections → blocked. A more specific situation is tried before a more general one.</li>
 *   <li>Remaining RFC 3463 codes (X.3.x system, X.4.x network, X.5.x protocol, X.6.x content, X.7.x security).</li>
 *   <li>Remaining wordings (network, system, virus, policy, security, syntax, not accepting mail).</li>
 * </ol>
 * The patterns are matched against the lower-cased diagnostic text. {@link BounceParser} consults the core
 * {@code ReplyClassifier} between steps 2 and 3 when it decides a reason.
 */
final class BounceRules {
    private BounceRules() {}

    /** A matched rule: the reason, the rule id, and the text (or code) that matched. */
    record Hit(Reason reason, String ruleId, String matched) {}

    /** A wording rule; {@code unless} (may be "") is a word whose presence makes another rule more specific. */
    private record TextRule(String id, Reason reason, Pattern pattern, Prefilter.Split split, String unless) {
        /** The matched text, or null. */
        String find(String text) {
            if (!unless.isEmpty() && text.contains(unless)) return null;
            return split.find(text);
        }
    }

    private static TextRule t(String id, Reason reason, String regex) {
        return t(id, reason, regex, "");
    }

    private static TextRule t(String id, Reason reason, String regex, String unless) {
        Pattern p = Pattern.compile(regex);
        return new TextRule(id, reason, p, new Prefilter.Split(p), unless);
    }

    /** Step 1: situations only bounce mails express. */
    private static final List<TextRule> MAIL_ONLY = List.of(
            t("dsn.blocked.greeting-rejected", Reason.BLOCKED, "my name was rejected|(?:greeting|helo|ehlo) (?:command )?(?:was )?rejected"),
            t("dsn.networkerror.no-connection", Reason.NETWORKERROR,
                    "(?:wasn't|was not|weren't|unable to be) able to establish an smtp connection"),
            // DragonFly DMA (net.c) "DNS lookup failure: host <name> not found": the name does not exist.
            t("dsn.hostunknown.dns-host-not-found", Reason.HOSTUNKNOWN, "lookup failure: host \\S+ not found"),
            t("dsn.networkerror.dns-temporary", Reason.NETWORKERROR,
                    "(?:host ?name|dns) lookup failure|host not found,\\s+try again|temporary (?:dns|name server|lookup) (?:failure|error)"),
            t("dsn.expired.text", Reason.EXPIRED,
                    "retry time(?:out)? (?:not reached|exceeded)|delivery time (?:has )?expired|message expired"
                    + "|(?:could not|couldn't|cannot|can't|unable to|was not) (?:be )?(?:send|sent|delivere?d?)[^.\\n]{0,40}"
                    + "(?:for|within|in) (?:the last )?\\d+(?:\\.\\d+)? ?(?:days?|hours?|minutes?|seconds?)"
                    // IMail "Delivery failed 3 attempts"; DMA "Could not deliver for the last 432000 seconds. Giving up."
                    + "|delivery failed \\d+ attempts?|could not deliver for the last"
                    + "|(?:too long|expired) (?:in|on) (?:the )?queue|queue (?:life ?time|expired)|maximum queue time"
                    + "|expired after|has expired|time(?:d)? out (?:after|waiting) [^\\n]{0,40}(?:days?|hours?)"
                    + "|delivery period|no (?:further )?(?:delivery )?attempts will be made|will be retried for"
                    + "|all hosts have been failing|(?:did not|didn't) accept our requests to connect"
                    + "|(?:connection|operation) timed out|timed out while|in the queue too long"
                    // Sendmail's own words when the receiver stopped answering (no reply of the receiver's)
                    + "|reply: read error|timeout waiting for input"
                    + "|(?:undelivered|undeliverable|not (?:yet )?been delivered) (?:for|after) (?:more than )?\\d+ ?(?:days?|hours?)"
                    + "|message could not be delivered for"),
            t("dsn.notaccept.no-mail-service", Reason.NOTACCEPT,
                    "no smtp service|no mx found|null mx|accepts no mail", "ptr"),
            t("dsn.hostunknown.account-or-domain", Reason.HOSTUNKNOWN, "account or domain may not exist"),
            t("dsn.hostunknown.unroutable", Reason.HOSTUNKNOWN,
                    "unroute?able (?:address|mail domain)|(?:^|[\\s:])(?:[a-z0-9-]+\\.)+[a-z]{2,} (?:does not exist|doesn't exist)"),
            t("dsn.userunknown.recipient-wording", Reason.USERUNKNOWN,
                    "recipient name is not recognized|recipient address rejected: access denied"
                    + "|check (?:if|whether|that) (?:the )?(?:recipient'?s? )?(?:e-?mail )?address is (?:correct|valid)"),
            t("dsn.notaccept.no-mail-exchanger", Reason.NOTACCEPT, "(?:couldn't|could not) find a mail exchanger"),
            t("dsn.mailererror.text", Reason.MAILERERROR,
                    "\\bx-unix\\b|mailer[- ]error|command (?:died|failed|output)|exit(?:ed)? (?:code|status) \\d"
                    + "|unknown mailer error|local delivery (?:program )?failed"));

    private record ClassRule(Reason reason, Pattern text, Prefilter.Split split) {
        String find(String t) {
            return split.find(t);
        }
    }

    private static ClassRule c(Reason reason, String regex) {
        Pattern p = Pattern.compile(regex);
        return new ClassRule(reason, p, new Prefilter.Split(p));
    }

    /**
     * Precise reply wordings the core reply table (dev.rebound.core.classify.ReplyRules) does not carry yet; they are
     * consulted before it. Candidates to move into that table.
     */
    private static final List<TextRule> BEFORE_CORE = List.of(
            t("dsn.spamdetected.url-blocklist", Reason.SPAMDETECTED, "blacklisted (?:url|link)|\\buribl\\b|\\bsurbl\\b"),
            t("dsn.requireptr.policy", Reason.REQUIREPTR,
                    "(?:must|should|need to) have (?:a |an )?(?:valid |matching )?(?:ptr|reverse dns)(?: record)?"
                    + "|unverif(?:i|y)able sending ips?|requires? (?:a )?(?:valid )?(?:ptr|reverse dns) record"),
            t("dsn.rejected.sender-address-listed", Reason.REJECTED,
                    "(?:to/from|from) an? (?:e-?mail )?address that (?:has been|is) (?:black|block|deny)[- ]?listed"),
            t("dsn.rejected.not-a-list-member", Reason.REJECTED,
                    "(?:are|is) not (?:a )?members? of (?:this|the|our) (?:mailing )?list|only (?:list )?members (?:may|can) post"
                    + "|non-?members? (?:are not allowed|may not|cannot) post|posts? from non-?members"),
            t("dsn.rejected.send-mail-as", Reason.REJECTED, "'?send mail as'? (?:feature|account|settings?)"),
            t("dsn.blocked.dynamic-ip", Reason.BLOCKED, "smtp server of your isp|use your isp'?s? (?:smtp|mail) server"));

    static Optional<Hit> beforeCore(String lowerText) {
        for (TextRule r : BEFORE_CORE) {
            String m = r.find(lowerText);
            if (m != null) return Optional.of(new Hit(r.reason, r.id, m));
        }
        return Optional.empty();
    }

    /**
     * Exim's bounce after its retry rules gave up writes the last error and then ": retry timeout exceeded" (Exim
     * specification, "Retry configuration"): the last error says why (a mailbox full, a reputation block), and only
     * "retry timeout exceeded" standing alone means no more than expired.
     */
    private static final Pattern GIVEN_UP = Pattern.compile("^(.{8,}?)[:;,.\\s]+retry time ?out exceeded\\W*$", Pattern.DOTALL);

    /** The last error before Exim's ": retry timeout exceeded", when there is one. */
    static Optional<String> causeBeforeGiveUp(String lowerText) {
        if (!lowerText.endsWith("exceeded") && !lowerText.endsWith("exceeded.")) return Optional.empty();
        Matcher m = GIVEN_UP.matcher(lowerText);
        return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
    }

    /** Step 2: recipient-side classes, each by its status code or its wording. */
    private static final List<ClassRule> CLASSES = List.of(
            c(Reason.MAILBOXFULL, "mail ?box (?:is |has )?(?:full|over|exceed)|disk space limit|mail ?folder (?:is )?full|over ?quota"
                    + "|(?<!sending )quota (?:exceed|limit|full)|exceeded? (?:the |his |her |its |their |your |storage |disk |mailbox )*(?:quota|storage)"
                    + "|(?:disk|storage|mailbox) quota|not enough (?:space|storage) (?:in|on|for) (?:the |this )?(?:mail|user|recipient|account)"
                    + "|(?:user|account|recipient|inbox)(?: is|'s)? (?:mailbox )?(?:full|over (?:the |their )?(?:quota|limit))"
                    + "|insufficient (?:disk )?space (?:for|in) (?:the )?(?:user|mailbox|recipient)|mailbox size limit"
                    + "|would exceed (?:the )?mailbox|size of (?:the )?mailbox"),
            c(Reason.MESGTOOBIG, "message (?:is |was )?too (?:big|large|long)|message (?:size|length) (?:exceeds|too|limit)"
                    + "|exceeds? (?:the )?(?:maximum |max |fixed )?(?:allowed )?(?:message |mail )?size|size (?:limit )?exceeded"
                    + "|mail size limit|message exceeds|too big for (?:the )?system|message file too big|line (?:length )?limit|line too long"),
            c(Reason.EXCEEDLIMIT, "exceeds? (?:the )?(?:recipient'?s?|per[- ]user) (?:size )?limit"),
            c(Reason.SUSPEND, "(?:account|mailbox|address|user|recipient)(?: has been| is| was)? (?:temporarily |currently |now )?"
                    + "(?:disabled|suspended|inactive|deactivated|locked|frozen|blocked for inactivity|not active|on hold)"
                    + "|(?:disabled|suspended|inactive|deactivated|expired) (?:account|mailbox|user|recipient)"
                    + "|recipient suspend|account (?:has )?expired|is a deactivated mailbox|temporar(?:y|ily) locked"),
            c(Reason.HASMOVED, "has (?:been )?moved|has been replaced by|address (?:has )?changed to"),
            c(Reason.NORELAYING, "relay(?:ing)? (?:access )?(?:is )?(?:denied|not permitted|prohibited|not allowed|refused)"
                    + "|(?:not permitted|unable|not allowed|cannot|can't) (?:to )?relay|we do not relay|no relaying"
                    + "|not a gateway|not configured to relay|insecure mail relay|relaying (?:mail )?(?:to|for) [^\\n]{0,60} (?:is )?not|open relay"),
            c(Reason.NOTCOMPLIANTRFC, "rfc ?(?:2822|5322|822|5321)|not (?:rfc[- ]?)?compliant|non[- ]compliant"
                    + "|(?:multiple|duplicate) (?:from|to|subject|date|message-id|sender|cc) (?:headers?|fields?)"
                    + "|multiple addresses in (?:the )?from|duplicate header"
                    + "|bare (?:lf|line ?feed|newline)|header (?:is )?(?:missing|malformed)|missing (?:required )?header"),
            c(Reason.AUTHFAILURE, "\\b(?:spf|dkim|dmarc)\\b|sender policy framework|unauthenticated (?:e-?mail|message)\\b"
                    + "|domainkeys|authentication (?:results?|check) (?:failed|did not pass)"),
            c(Reason.USERUNKNOWN, "user(?:name)? (?:is )?unknown|unknown (?:user|recipient|mailbox|address|local[- ]?part|account|alias)"
                    + "|no such (?:user|mailbox|recipient|address|account|local user|person|e-?mail)"
                    + "|(?:user|mailbox|recipient|address|account|addressee|alias|e-?mail address|destination)(?:\\(s\\))?"
                    + "(?: specified)? (?:does not|doesn't|did not|do not|not) exists?"
                    + "|(?:user|mailbox|recipient|account|address) (?:was )?not found"
                    + "|invalid (?:recipient|mailbox|user|address|account|e-?mail)|not a valid (?:user|mailbox|recipient|address)"
                    + "|recipient (?:address )?(?:unknown|invalid|not (?:found|valid|listed))|invalid (?:final delivery )?userid"
                    + "|(?:does not|doesn't) have an? [^\\n]{0,40}account|address (?:couldn't|could not|can't|cannot) be found"
                    + "|recipient address rejected: access denied"
                    + "|(?:address|user|recipient|mailbox) (?:is )?(?:not|no longer) (?:valid|known|listed)"
                    + "|mailbox (?:is )?unavailable|bad destination (?:mailbox|address)|no mailbox|not our customer"
                    + "|user (?:not|isn't) (?:here|listed|known|local)|no account by that name|undeliverable address"
                    + "|unknown or illegal alias|unrouteable address: [^\\n]*@|no valid recipients|mailbox not available"
                    + "|mail ?box (?:name )?(?:not allowed|invalid)"
                    // Lotus Notes (Japanese) "... はディレクトリのリストにありません" (not listed in the directory)
                    + "|ディレクトリのリストにありません"),
            c(Reason.FILTERED, "\\bfiltered\\b|filter(?:ing)? (?:rejected|refused)|rejected by (?:the )?(?:recipient|user|filter)(?! domain)"
                    + "|(?:recipient|user) (?:refuses|rejected|does not accept|doesn't accept)|refused by (?:the )?recipient"
                    + "|delivery (?:is )?not authori[sz]ed|not authori[sz]ed to (?:receive|send to)"
                    + "|message (?:was |has been )?(?:rejected|refused) by (?:the )?(?:recipient|user|mailbox)"),
            c(Reason.REQUIREPTR, "\\bptr\\b|reverse (?:dns|lookup|dns lookup|resolution|mapping)|\\brdns\\b|"
                    + "(?:cannot|can't|could not|unable to) (?:find|resolve|verify) your (?:host ?name|ip|address)"
                    + "|(?:ip|client|host) (?:address )?(?:has no|does not have|without) (?:a )?(?:reverse|ptr|host ?name)"
                    + "|no reverse|reverse (?:hostname|name)|hostname (?:does not|doesn't) match|mismatches client ip"
                    + "|ip name lookup failed"),
            c(Reason.NOTACCEPT, "no smtp service|no mx found|null mx|(?:does not|doesn't|do not) accept (?:any )?(?:e-?)?mail"
                    + "|accepts no mail|not accepting (?:any )?(?:mail|messages|e-?mail)|no longer accepts"),
            c(Reason.BADREPUTATION, "reputation|sender score|senderscore"),
            c(Reason.CONTENTERROR, "content (?:error|type)|invalid (?:mime|header|content)|header (?:error|syntax)"
                    + "|improper use of 8-?bit|8-?bit (?:data|content|characters)|mime (?:error|format)|malformed (?:header|mime|message)"),
            c(Reason.POLICYVIOLATION, "policy reasons|policy violation|violates? (?:our |the )?(?:local )?polic"),
            c(Reason.REJECTED, "sender (?:address |domain )?(?:rejected|denied|refused|blocked|not allowed|unknown|invalid"
                    + "|verify failed|verification failed|is not allowed|does not exist|not found|address rejected)"
                    + "|(?:domain|address) of sender|sender domain (?:must|does not|doesn't)|envelope[- ]sender"
                    + "|(?:bad|unknown|invalid|rejected|blocked|banned|unverified) sender|mail from [^\\n]{0,80}(?:rejected|denied|refused)"
                    + "|return[- ]path|from address|your (?:e-?mail |sender )?address (?:[^\\n]{0,40} )?(?:has been )?(?:blocked|rejected|banned|denied)"
                    + "|sender verify|no such sender|sender is (?:not|on)|not allowed to send"),
            c(Reason.HOSTUNKNOWN, "host (?:or domain )?(?:name )?(?:not found|unknown|lookup failed)|unknown (?:host|domain)"
                    + "|no such (?:host|domain)|(?:domain|host) (?:name )?(?:does not exist|not found|doesn't exist|is unknown)"
                    + "|name or service not known|unroutable|unrouteable|no (?:mx|mail exchanger|a|mail) (?:or a )?records?"
                    + "|couldn't find any host|could not find any host|\\bnxdomain\\b|domain has no|invalid domain"
                    + "|non-?existent (?:host|domain)|domain (?:is )?not (?:valid|found)|unknown (?:mail )?domain|unresolvable"
                    + "|(?:cannot|can't|could not|unable to) resolve (?:host|domain|the)"),
            c(Reason.VIRUSDETECTED, "virus|malware|infected|trojan|\\bworm\\b|malicious"),
            c(Reason.SPAMDETECTED, "blacklisted (?:url|link)|\\buribl\\b|\\bsurbl\\b|\\bspam\\b|\\bspammy\\b|junk ?mail|unsolicited|bulk (?:e-?mail|mail)|looks like spam|\\buce\\b"
                    + "|classified as (?:spam|junk)|content (?:was )?(?:rejected|scored|looks)|spam ?score|spam ?filter"),
            c(Reason.TOOMANYCONN, "too many (?:connections|concurrent|simultaneous|sessions|recipients|hosts)"
                    + "|connection (?:limit|count|rate)|max(?:imum)? (?:number of )?connections"),
            c(Reason.SPEEDING, "rate (?:limit|exceeded|control)|too fast|sending rate|throttl|too many (?:messages|mails|e-?mails)"
                    + "|(?:messages|mails) per (?:hour|minute|second|day)|slow down|exceeded (?:the )?(?:hourly|daily) "),
            c(Reason.BLOCKED, "blocked|black ?list|block ?list|deny ?list|\\bdnsbl\\b|\\brbl\\b|spamhaus|spamcop|sorbs"
                    + "|listed (?:in|on|at|by)|(?:your|client|sending) (?:ip|host|server|network|mail server|address)"
                    + "|banned|dynamic (?:ip|address|pool)|residential|dial-?up|\\bdul\\b"
                    + "|smtp server of your isp|refused to talk|not allowed to connect|connection (?:refused|rejected) (?:from|by policy)"
                    + "|\\bip\\b [^\\n]{0,40}(?:rejected|refused|denied)|poor reputation|invalid ip (?:address )?for sending"));

    /** Step 4: other wordings. */
    private static final List<TextRule> OTHERS = List.of(
            t("dsn.failedstarttls.text", Reason.FAILEDSTARTTLS, "starttls|tls (?:is )?(?:required|negotiation|handshake)|mta-sts|\\bdane\\b"),
            t("dsn.networkerror.text", Reason.NETWORKERROR, "connection (?:timed out|refused|reset|lost|closed|dropped)|timed out|timeout"
                    + "|network (?:is )?unreachable|no route to host|host (?:is )?unreachable|(?:could not|unable to|couldn't|cannot) connect"
                    + "|connect to [^\\n]{0,80}(?:failed|refused)|dns (?:lookup |query )?(?:failure|failed|error)|temporary (?:dns|name) "
                    + "|mail (?:forwarding )?loop|loops back to myself|too many hops|routing loop|hop count|lost connection|broken pipe"
                    + "|malformed or unexpected name server reply|name server|host not responding|host not reachable"),
            t("dsn.systemfull.text", Reason.SYSTEMFULL, "(?:disk|system|server|file ?system|partition|spool) (?:is )?full"
                    + "|insufficient (?:system )?storage|insufficient (?:disk )?space|out of (?:disk )?space|no space left"),
            t("dsn.systemerror.text", Reason.SYSTEMERROR, "system error|internal (?:server )?error|server error|local (?:delivery )?error"
                    + "|temporary (?:local )?problem|transaction failed|service (?:is )?(?:currently |temporarily )?(?:not available|unavailable)|i/o error"
                    + "|configuration error|misconfigur|server (?:is )?busy|resources"),
            t("dsn.securityerror.text", Reason.SECURITYERROR, "authentication (?:is )?required|must (?:be )?authenticat|unauthenticated|auth(?:entication)? (?:failed|failure|error)"
                    + "|encryption required|certificate|security (?:policy|error)|not authori[sz]ed"),
            t("dsn.policyviolation.text", Reason.POLICYVIOLATION, "polic(?:y|ies)|prohibited|violat|not (?:allowed|permitted)|attachment|executable"),
            t("dsn.syntaxerror.text", Reason.SYNTAXERROR, "syntax error|malformed address|command (?:not recogni[sz]ed|unrecogni[sz]ed)|unrecogni[sz]ed command"
                    + "|bad sequence of commands|invalid command"));

    /** RFC 3463 code → reason, for the classes of step 2 (their codes). */
    static Optional<Reason> recipientClassOf(String status) {
        if (status.isEmpty()) return Optional.empty();
        String s = status;
        String sd = s.length() > 2 ? s.substring(2) : "";
        char cls = s.charAt(0);
        return Optional.ofNullable(switch (sd) {
            case "2.2" -> Reason.MAILBOXFULL;
            case "3.4" -> cls == '5' ? Reason.MESGTOOBIG : null;
            case "7.16" -> Reason.MESGTOOBIG;
            case "2.3" -> Reason.EXCEEDLIMIT;
            case "7.13" -> cls == '5' ? Reason.SUSPEND : null;
            case "1.6", "7.17", "7.18" -> Reason.HASMOVED;
            case "7.20", "7.21", "7.22", "7.23", "7.24", "7.26", "7.29" -> Reason.AUTHFAILURE;
            case "1.0", "1.1", "1.3" -> cls == '5' ? Reason.USERUNKNOWN : null;
            case "1.4", "2.0", "2.4" -> cls == '5' ? Reason.FILTERED : null;
            case "2.1" -> cls == '5' ? Reason.FILTERED : Reason.BLOCKED;
            case "7.25" -> Reason.REQUIREPTR;
            case "1.7", "1.8" -> Reason.REJECTED;
            case "1.2" -> cls == '5' ? Reason.HOSTUNKNOWN : null;
            case "4.4" -> cls == '5' ? Reason.HOSTUNKNOWN : Reason.NETWORKERROR;
            case "7.28" -> Reason.SPAMDETECTED;
            case "7.1", "7.2" -> cls == '4' ? Reason.BLOCKED : null;
            default -> null;
        });
    }

    /** Remaining RFC 3463 codes (step 3). */
    static Optional<Hit> otherStatus(String status) {
        if (status.length() < 5) return Optional.empty();
        char cls = status.charAt(0);
        String sd = status.substring(2);
        Reason r = switch (sd) {
            case "1.9", "3.3", "3.5", "4.3", "5.4", "5.5" -> Reason.SYSTEMERROR;
            case "3.0" -> cls == '5' ? Reason.SYSTEMERROR : null;
            case "1.10", "3.2", "7.27" -> Reason.NOTACCEPT;
            case "3.1" -> Reason.SYSTEMFULL;
            case "4.5" -> cls == '4' ? Reason.SYSTEMFULL : null;
            case "4.1", "4.7" -> cls == '4' ? Reason.EXPIRED : null;
            case "4.0" -> Reason.NETWORKERROR;
            case "4.2", "4.6", "4.8" -> Reason.NETWORKERROR;
            case "5.2", "5.6" -> Reason.SYNTAXERROR;
            case "5.3" -> Reason.TOOMANYCONN;
            case "7.30" -> Reason.FAILEDSTARTTLS;
            default -> null;
        };
        if (r == null && sd.startsWith("6.")) r = Reason.CONTENTERROR;
        if (r == null && sd.startsWith("7.") && cls == '5') r = Reason.SECURITYERROR;
        if (r == null && sd.startsWith("3.") && cls == '5') r = Reason.SYSTEMERROR;
        return r == null ? Optional.empty() : Optional.of(new Hit(r, "dsn.status." + status, status));
    }

    /** Step 1. */
    static Optional<Hit> mailOnly(String lowerText) {
        String full = CLASSES.get(0).find(lowerText);
        if (full != null) return Optional.of(new Hit(Reason.MAILBOXFULL, "dsn.mailboxfull.text", full));
        for (TextRule r : MAIL_ONLY) {
            String m = r.find(lowerText);
            if (m != null) return Optional.of(new Hit(r.reason, r.id, m));
        }
        return Optional.empty();
    }

    /** A status code that names a recipient-side class decides before any wording. */
    static Optional<Hit> byStatus(String status) {
        return recipientClassOf(status).map(r -> new Hit(r, "dsn.status." + status, status));
    }

    /** A final DSN with X.4.1 / X.4.7: the MTA retried until its queue lifetime ran out. */
    static Optional<Hit> expiredStatus(String status) {
        if (status.endsWith(".4.1") && status.startsWith("4") || status.endsWith(".4.7")) {
            return Optional.of(new Hit(Reason.EXPIRED, "dsn.expired.status-" + status, status));
        }
        return Optional.empty();
    }

    /**
     * A bounce mail that says "user unknown" without saying the remote host answered RCPT TO, and whose status
     * code does not name a user-level failure (X.1.x), reports the recipient's filter (after DATA, or a relay's
     * own lookup), not a reply to RCPT: filtered, not userunknown (Sisimai v5 draws the same line).
     */
    static Optional<Hit> userUnknownAway(Reason reason, String ruleId, String status, SmtpPhase phase, String lower) {
        if (reason != Reason.USERUNKNOWN || !ruleId.startsWith("text.") || phase == SmtpPhase.RCPT) return Optional.empty();
        if (status.startsWith("5.1.") || status.startsWith("4.1.")) return Optional.empty();
        Optional<Hit> words = wordsSayMailboxMissing(status, lower);
        if (words.isPresent()) return words;
        return Optional.of(new Hit(Reason.FILTERED, "dsn.filtered.user-unknown-not-at-rcpt", ruleId));
    }

    /** The rule id of {@link #wordsSayMailboxMissing}: counted apart in the corpus test (Sisimai says filtered). */
    static final String WORDS_RULE = "dsn.userunknown.words-not-at-rcpt";

    /**
     * Reasons follow what the text says about the recipient, not the SMTP phase: "user unknown", "no such user",
     * "mailbox not found", "does not exist", "not listed in the directory" reported after DATA, by a relay, or
     * without saying when, still say the mailbox does not exist. Sisimai v5 reads such a reply away from RCPT TO as
     * the recipient's filter ({@code filtered}, soft); Rebound reads the words ({@code userunknown}, hard), because a
     * gone mailbox is a gone mailbox and the product suppresses on it. Not when the status names another mailbox
     * state (X.2.x: disabled, full, mailbox status), which the code then decides.
     */
    static Optional<Hit> wordsSayMailboxMissing(String status, String lower) {
        Matcher gone = MAILBOX_GONE_F.mayMatch(lower) ? MAILBOX_GONE.matcher(lower) : null;
        if (gone != null && gone.find()) return Optional.of(new Hit(Reason.USERUNKNOWN, WORDS_RULE, gone.group()));
        if (status.length() > 2 && status.startsWith("2.", 2)) return Optional.empty();
        String m = MAILBOX_MISSING_F.find(lower);
        return m != null ? Optional.of(new Hit(Reason.USERUNKNOWN, WORDS_RULE, m)) : Optional.empty();
    }

    /**
     * Wordings that say the mailbox or address does not exist (not only that it was refused: "recipient rejected",
     * "bad recipient" and "address rejected" are not among them, a filter or a policy says those too).
     */
    private static final Pattern MAILBOX_MISSING = Pattern.compile(
            "user(?:name)? (?:is )?unknown|unknown (?:user|recipient|mailbox|local[- ]?part|account|alias|e-?mail address)"
            + "|no such (?:user|mailbox|recipient|account|local user|person|e-?mail|address)"
            + "|(?:user|mailbox|recipient|account|addressee|e-?mail address|e-?mail account)(?:\\(s\\))?(?: specified)? "
            + "(?:does not|doesn't|did not|do not) exists?"
            + "|(?:user|mailbox|recipient|account|mail-?box) (?:was )?not found|(?:user|recipient)(?:'s)? mailbox (?:was )?not found"
            + "|not (?:a )?(?:known|valid) (?:user|recipient|mailbox)|(?:is )?not (?:an )?(?:active|valid) (?:e-?mail )?address"
            + "|invalid (?:recipient|mailbox|user)|no (?:mail ?box|account) (?:available|here|by that name)|no mailbox"
            + "|not listed in (?:the |domino |public |our )?(?:name|directory|domino|address)|addressee unknown"
            + "|<addr>>? (?:does not|doesn't) exist|recipient (?:unknown|invalid)|mail ?box (?:unavailable|not available)"
            + "|no valid recipients|ディレクトリのリストにありません|存在しない|宛先不明");
    private static final Prefilter.Split MAILBOX_MISSING_F = new Prefilter.Split(MAILBOX_MISSING);

    /**
     * A bare "Access denied" (no IP, PTR, relay or authentication wording decided first) in reply to MAIL FROM, or
     * with a status that is not an X.7 security code, is the receiving system refusing this sender: rejected. With an
     * X.7 code and not at MAIL FROM, the code's own subject (security or policy, RFC 3463) stands.
     */
    static Optional<Hit> bareAccessDenied(Reason reason, String matched, SmtpPhase phase, String status) {
        boolean securityCode = status.length() > 3 && status.startsWith(".7.", 1);
        if (reason == Reason.SECURITYERROR && matched.equalsIgnoreCase("access denied")
                && (phase == SmtpPhase.MAIL || !securityCode)) {
            return Optional.of(new Hit(Reason.REJECTED, "dsn.rejected.access-denied", matched));
        }
        return Optional.empty();
    }

    /** Wordings that say the address itself cannot be found, whoever says it and whenever. */
    private static final Pattern MAILBOX_GONE = Pattern.compile(
            "(?:does not|doesn't) have an? [^\\n]{0,40}account|mailbox unavailable|(?:couldn't|could not) be found"
            + "|delivery userid|recipient name is not recognized|mailbox not found|mailbox (?:does not|doesn't) exist"
            // "<rcpt>: User unknown": the reply names the recipient address itself, the form of a recipient check
            // answering RCPT TO (Postfix local/virtual maps, Yahoo's and qmail's relayed replies)
            + "|<addr>>?: (?:user unknown|unknown user)");
    private static final Prefilter MAILBOX_GONE_F = Prefilter.of(MAILBOX_GONE);

    private static final Pattern MX_LOOKUP_ERROR = Pattern.compile(
            "name service error for name=[^\\s]+ type=mx|(?:dns )?type '?mx'? lookup (?:of [^\\s]+ )?(?:failed|error)");
    private static final Prefilter MX_LOOKUP_ERROR_F = Prefilter.of(MX_LOOKUP_ERROR);

    /**
     * The reporting MTA gave up for good (a 5.x status) because the domain's MX lookup fails: the domain does not
     * accept mail as published (RFC 5321 section 5.1), notaccept, and so a hard bounce.
     */
    static Optional<Hit> mxLookupPermanent(String lowerText, String status) {
        if (!status.startsWith("5")) return Optional.empty();
        // "Host not found" / NXDOMAIN says the domain itself does not exist: hostunknown, decided by the wording rules.
        if (lowerText.contains("host not found") || lowerText.contains("domain name not found")
                || lowerText.contains("nxdomain")) {
            return Optional.empty();
        }
        if (!MX_LOOKUP_ERROR_F.mayMatch(lowerText)) return Optional.empty();
        Matcher m = MX_LOOKUP_ERROR.matcher(lowerText);
        return m.find() ? Optional.of(new Hit(Reason.NOTACCEPT, "dsn.notaccept.mx-lookup-permanent", m.group()))
                : Optional.empty();
    }

    private static final Pattern MESSAGELABS_RECIPIENT = Pattern.compile(
            "^[45]\\d\\d[ -]<addr>\\.* (?:rejected|no such user)\\b");

    /**
     * Symantec.cloud (MessageLabs) checks recipients against the customer's registered addresses while answering
     * RCPT TO, and says so with a bare "NNN address Rejected" or "NNN address... No such user": coming from its
     * relays, that reply means the mailbox is not known there (userunknown), not a filter after DATA.
     */
    static Optional<Hit> messageLabsRecipient(String mtaHosts, String lowerText) {
        if (!mtaHosts.contains("messagelabs.com")) return Optional.empty();
        Matcher m = MESSAGELABS_RECIPIENT.matcher(lowerText);
        return m.find() ? Optional.of(new Hit(Reason.USERUNKNOWN, "dsn.userunknown.messagelabs-recipient", m.group()))
                : Optional.empty();
    }

    /**
     * NTT docomo's MX hosts (*.docomo.ne.jp) answer "550 Unknown user" after DATA when the recipient's reception
     * settings (designated-domain or spoofing filters, documented by docomo for its subscribers) refuse this sender:
     * an unknown mailbox is refused at RCPT TO, so after DATA the wording is the refusal of the sender, rejected.
     */
    static Optional<Hit> docomoReceptionSettings(String mtaHosts, SmtpPhase phase, String status, String lowerText) {
        if (!mtaHosts.contains("docomo.ne.jp")) return Optional.empty();
        if (phase != SmtpPhase.DATA && phase != SmtpPhase.END_OF_DATA) return Optional.empty();
        if (status.startsWith("5.1.") || status.startsWith("5.2.")) return Optional.empty();
        return lowerText.contains("unknown user") || lowerText.contains("user unknown")
                ? Optional.of(new Hit(Reason.REJECTED, "dsn.rejected.docomo-reception-settings", "unknown user after DATA"))
                : Optional.empty();
    }

    private static final Pattern NOTICE_DISABLED = Pattern.compile(
            "(?:user|recipient|mailbox)(?:\\(s\\)|s)?'?s? (?:e-?mail )?accounts? (?:is|are|has been|have been|was|were) "
            + "(?:disabled|suspended|deactivated)");
    private static final Prefilter NOTICE_DISABLED_F = Prefilter.of(NOTICE_DISABLED);

    /**
     * The bounce notice's own words (the text part, not the relayed reply) say the account is disabled, while the
     * relayed reply only says "user unknown" and no X.1.x status says so: carriers that answer RCPT for a disabled
     * account with a generic "user unknown" state the real cause in their notice. Suspend, not userunknown.
     */
    static Optional<Hit> noticeSaysDisabled(Hit hit, String status, String lowerNotice) {
        if (hit.reason() != Reason.USERUNKNOWN || status.startsWith("5.1.") || status.startsWith("4.1.")) {
            return Optional.empty();
        }
        if (!NOTICE_DISABLED_F.mayMatch(lowerNotice)) return Optional.empty();
        String head = lowerNotice.length() > 4000 ? lowerNotice.substring(0, 4000) : lowerNotice;
        Matcher m = NOTICE_DISABLED.matcher(head);
        return m.find() ? Optional.of(new Hit(Reason.SUSPEND, "dsn.suspend.notice-says-disabled", m.group()))
                : Optional.empty();
    }

    /** "5.1.0 - Unknown address error 550-'5.7.1 ... Access denied' (delivery attempts: 0)". */
    private static final Pattern RELAY_WRAPPED = Pattern.compile(
            "^\\s*[245]\\.\\d{1,3}\\.\\d{1,3} - [A-Za-z][A-Za-z ]{2,60}? ([245]\\d\\d)[- ]'([^'\\n]{1,1000})'");

    /**
     * A relay that wraps the remote server's reply in its own guess ("X.Y.Z - Some error NNN-'the reply'", as
     * Amazon SES writes it) is read by the reply it quotes: the relay's label and code are its classification of
     * that reply, not evidence. Anything else is returned as it is.
     */
    static String relayedReply(String diag) {
        Matcher m = RELAY_WRAPPED.matcher(diag);
        return m.find() ? m.group(1) + " " + m.group(2) : diag;
    }

    /** Refused at connection or greeting time and no wording says why: the sending host was refused. */
    static Optional<Hit> connectionPhase(SmtpPhase phase) {
        if (phase == SmtpPhase.CONNECT || phase == SmtpPhase.EHLO) {
            return Optional.of(new Hit(Reason.BLOCKED, "dsn.blocked.connection-phase", phase.name()));
        }
        return Optional.empty();
    }

    static Hit actionDelayed() {
        return new Hit(Reason.EXPIRED, "dsn.expired.action-delayed", "Action: delayed");
    }

    /** Step 2: the status code names a class, or the wording does, in class order. */
    static Optional<Hit> recipientClass(String lowerText, String status, SmtpPhase phase) {
        Reason named = recipientClassOf(status).orElse(null);
        boolean generic = status.isEmpty() || status.endsWith(".0.0");
        for (ClassRule r : CLASSES) {
            if (r.reason == named) return Optional.of(new Hit(r.reason, "dsn.status." + status, status));
            if (lowerText.isEmpty()) continue;
            if (r.reason == Reason.MESGTOOBIG && named == Reason.EXCEEDLIMIT) continue;
            String m = r.find(lowerText);
            if (m == null) continue;
            if (r.reason == Reason.USERUNKNOWN && phase != SmtpPhase.RCPT) {
                // "user unknown" said after DATA, or without saying when: the words decide when they say the mailbox
                // does not exist (wordsSayMailboxMissing); otherwise ("recipient rejected") it is the recipient's
                // filter talking, unless the status code itself names a user-level failure (RFC 3463 X.1.x).
                if (named == null && (generic || !status.startsWith("5.1"))) {
                    return Optional.of(wordsSayMailboxMissing(status, lowerText)
                            .orElse(new Hit(Reason.FILTERED, "dsn.filtered.user-unknown-not-at-rcpt", m)));
                }
                if (!MAILBOX_GONE_F.mayMatch(lowerText) || !MAILBOX_GONE.matcher(lowerText).find()) continue;
            }
            return Optional.of(new Hit(r.reason, "dsn." + r.reason.id() + ".text", m));
        }
        return Optional.empty();
    }

    /** Step 4. */
    static Optional<Hit> otherText(String lowerText) {
        if (lowerText.isEmpty()) return Optional.empty();
        for (TextRule r : OTHERS) {
            String m = r.find(lowerText);
            if (m != null) return Optional.of(new Hit(r.reason, r.id, m));
        }
        return Optional.empty();
    }
}
