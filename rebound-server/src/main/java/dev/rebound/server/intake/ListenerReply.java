package dev.rebound.server.intake;

/**
 * Every reply our SMTP listener writes itself, in one table: reply code, RFC 3463 enhanced code, text.
 * (SubEthaSMTP writes the protocol-level replies such as 220/221/250 to EHLO/MAIL/RCPT; these are the
 * decisions Rebound makes.)
 */
public enum ListenerReply {
    ACCEPTED(250, "2.0.0", "queued as %s"),
    RELAY_DENIED(554, "5.7.1", "relay access denied: your address %s is not in smtp.relay-networks"),
    BAD_RECIPIENT(501, "5.1.3", "bad recipient address syntax: %s"),
    BAD_SENDER(501, "5.1.7", "bad sender address syntax: %s"),
    TOO_MANY_RECIPIENTS(452, "4.5.3", "too many recipients, at most %s per message"),
    MESSAGE_TOO_BIG(552, "5.3.4", "message too big: more than %s bytes"),
    BARE_LINE_ENDING(521, "5.5.2", "error reading DATA: invalid line ending (bare CR or LF); closing"),
    STORE_UNAVAILABLE(451, "4.3.0", "temporary local problem, message not accepted; try again later"),
    NO_RECIPIENTS(503, "5.5.1", "no valid recipients"),
    BOUNCE_ACCEPTED(250, "2.0.0", "bounce received: %s"),
    BOUNCE_NOT_MIXED(452, "4.5.3", "send mail to the bounce address %s in its own transaction");

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
        return enhanced + " " + String.format(text, args);
    }

    /** The whole reply line as sent, without CRLF. */
    public String line(Object... args) {
        return code + " " + text(args);
    }
}
