package dev.rebound.server.smtp;

/**
 * Every reply our SMTP listener writes itself, in one table: reply code, RFC 3463 enhanced code, text.
 * (SubEthaSMTP writes the protocol-level replies such as 220/221/250 to EHLO/MAIL/RCPT; these are the
 * decisions Rebound makes. After a successful AUTH, SubEthaSMTP writes {@code 235 Authentication successful.}
 * itself.)
 */
enum ListenerReply {
    ACCEPTED(250, "2.0.0", "queued as %s"),
    RELAY_DENIED(554, "5.7.1", "relay access denied: your address %s is not in smtp.relay-networks"),
    RELAY_DENIED_AUTH(554, "5.7.1", "relay access denied: your address %s is not in smtp.relay-networks and the session is not authenticated; use STARTTLS then AUTH"),
    EHLO_SYNTAX(501, "5.5.4", "syntax: EHLO hostname"),
    AUTH_CHALLENGE(334, "", "%s"),
    AUTH_FAILED(535, "5.7.8", "authentication credentials invalid"),
    AUTH_TOO_MANY_FAILURES(421, "4.7.0", "%s failed authentication attempts; closing connection"),
    AUTH_NEEDS_TLS(538, "5.7.11", "encryption required for requested authentication mechanism: issue STARTTLS first"),
    AUTH_MECHANISM(504, "5.5.4", "authentication mechanism %s not supported; use PLAIN or LOGIN"),
    AUTH_SYNTAX(501, "5.5.2", "cannot decode the authentication response: %s"),
    BAD_RECIPIENT(501, "5.1.3", "bad recipient address syntax: %s"),
    BAD_SENDER(501, "5.1.7", "bad sender address syntax: %s"),
    TOO_MANY_RECIPIENTS(452, "4.5.3", "too many recipients, at most %s per message"),
    MESSAGE_TOO_BIG(552, "5.3.4", "message too big: more than %s bytes"),
    BARE_LINE_ENDING(521, "5.5.2", "error reading DATA: invalid line ending (bare CR or LF); closing"),
    STORE_UNAVAILABLE(451, "4.3.0", "temporary local problem, message not accepted; try again later"),
    NO_RECIPIENTS(503, "5.5.1", "no valid recipients"),
    NEED_MAIL(503, "5.5.1", "bad sequence of commands: need MAIL first"),
    NEED_RCPT(503, "5.5.1", "bad sequence of commands: need RCPT first"),
    DATA_GO_AHEAD(354, "", "end data with <CR><LF>.<CR><LF>"),
    BDAT_SYNTAX(501, "5.5.4", "syntax: BDAT <size> [LAST]: %s"),
    DATA_ACCEPTED_WITHOUT_ID(250, "2.0.0", "ok"),
    BDAT_CHUNK_RECEIVED(250, "2.0.0", "%s octets received"),
    BDAT_EXPECTED(503, "5.5.1", "bad sequence of commands: expected BDAT to continue the message, got %s; closing"),
    BOUNCE_ACCEPTED(250, "2.0.0", "bounce received: %s"),
    BOUNCE_NOT_MIXED(452, "4.5.3", "send mail to the bounce address %s in its own transaction"),
    CONNECTIONS_FULL(421, "4.3.2", "too many connections (%s at once); try again later"),
    CONNECTIONS_RESERVED(421, "4.3.2", "too many connections from outside smtp.relay-networks; the last %s of %s are kept for relay-network and authenticated clients; try again later"),
    CONNECTIONS_PER_CLIENT(421, "4.7.0", "too many connections from %s (at most %s at once); try again later"),
    IDLE_TIMEOUT(421, "4.4.2", "no command within %s; closing connection"),
    SESSION_TOO_LONG(421, "4.4.2", "session longer than %s; closing connection, reconnect to go on"),
    TOO_MANY_JUNK_COMMANDS(421, "4.7.0", "more than %s commands without a message (NOOP, RSET, VRFY, EXPN, HELP, HELO, EHLO); closing connection"),
    DATA_TIMEOUT(421, "4.4.2", "message data not complete within %s; closing connection"),
    DATA_TOO_SLOW(421, "4.4.2", "message data slower than %s octets per second; closing connection"),
    AUTH_CLIENT_LOCKED(454, "4.7.0", "too many failed authentications from %s; try again after %s"),
    AUTH_BUSY(454, "4.7.0", "too many authentications in progress; try again later"),
    TLS_READY(220, "2.0.0", "ready to start TLS"),
    TLS_NOT_OFFERED(502, "5.5.1", "STARTTLS not offered by this server"),
    TLS_ALREADY_ACTIVE(503, "5.5.1", "TLS already active"),
    TLS_SYNTAX(501, "5.5.4", "syntax: STARTTLS (no parameters)");

    private final int code;
    private final String enhanced;
    private final String text;

    ListenerReply(int code, String enhanced, String text) {
        this.code = code;
        this.enhanced = enhanced;
        this.text = text;
    }

    public int code() {
        return code;
    }

    public String enhanced() {
        return enhanced;
    }

    /** The text after the code (enhanced code first), with any {@code %s} filled in. */
    public String text(Object... args) {
        String t = String.format(text, args);
        return enhanced.isEmpty() ? t : enhanced + " " + t;
    }

    /** The whole reply line as sent, without CRLF. */
    public String line(Object... args) {
        return code + " " + text(args);
    }
}
