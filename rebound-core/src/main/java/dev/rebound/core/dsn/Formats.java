package dev.rebound.core.dsn;

import java.util.List;

/**
 * Names the software that wrote a bounce from its own markers (RFC 3464 reports are "RFC3464" unless a more
 * specific family is recognised). The name is reported as {@code decodedBy}; detection order is the order of
 * this table, most specific first. Markers are matched against the lower-cased top-level headers' values
 * (From, Subject, X-Mailer, Received) and the lower-cased bounce text.
 */
final class Formats {
    private Formats() {}

    /** {@code textOnly}: the family also sends standard RFC 3464 reports, which are then reported as RFC3464. */
    private record Marker(String name, String where, String text, boolean textOnly) {}

    private static Marker body(String name, String text) { return new Marker(name, "body", text, false); }
    private static Marker header(String name, String text) { return new Marker(name, "header", text, false); }
    private static Marker bodyNoDsn(String name, String text) { return new Marker(name, "body", text, true); }
    private static Marker headerNoDsn(String name, String text) { return new Marker(name, "header", text, true); }

    private static final List<Marker> MARKERS = List.of(
            headerNoDsn("AmazonSES", "amazonses.com"),
            bodyNoDsn("AmazonSES", "amazon ses"),
            headerNoDsn("AmazonWorkMail", "amazonaws.com"),
            body("DragonFly", "this is the dragonfly mail agent"),
            headerNoDsn("GoogleGroups", "googlegroups.com"),
            bodyNoDsn("Gmail", "delivery to the following recipient"),
            bodyNoDsn("Gmail", "google tried to deliver your message"),
            bodyNoDsn("Gmail", "** address not found **"),
            bodyNoDsn("Gmail", "** message not delivered **"),
            body("qmail", "this is the qmail-send program"),
            body("qmail", "sorry, we were unable to deliver your message to the following address"),
            body("Postfix", "this is the mail system at host"),
            body("Postfix", "the postfix program"),
            body("Exim", "this message was created automatically by mail delivery software"),
            body("Exim", "exim"),
            body("OpenSMTPD", "this is the mailer-daemon, please do not reply"),
            body("OpenSMTPD", "opensmtpd"),
            body("Courier", "courier mail server"),
            body("Exchange2007", "diagnostic information for administrators"),
            body("Exchange2007", "delivery has failed to these recipients or groups"),
            body("Exchange2003", "your message did not reach some or all of the intended recipients"),
            body("MessagingServer", "this report relates to a message you sent with the following header fields"),
            body("Domino", "lotus domino"),
            body("Notes", "lotus notes"),
            body("Notes", "was not delivered to:"),
            body("V5sendmail", "----- unsent message follows -----"),
            body("Sendmail", "----- transcript of session follows -----"),
            body("Sendmail", "the original message was received at"),
            body("GMX", "gmx"),
            body("IMailServer", "imail"),
            body("Zoho", "zoho"),
            body("KDDI", "ezweb.ne.jp"),
            body("mFILTER", "mfilter"),
            body("InterScanMSS", "interscan"),
            body("MailFoundry", "mailfoundry"),
            body("ApacheJames", "apache james"),
            body("Activehunter", "activehunter"),
            body("EinsUndEins", "1&1"),
            body("Biglobe", "biglobe"),
            body("FML", "fml"),
            body("Verizon", "verizon"));

    static String detect(String lowerHeaders, String lowerBody, boolean hasDeliveryStatus) {
        for (Marker m : MARKERS) {
            if (m.textOnly && hasDeliveryStatus) continue;
            String hay = m.where.equals("header") ? lowerHeaders : lowerBody;
            if (hay.contains(m.text)) return m.name;
        }
        return hasDeliveryStatus ? "RFC3464" : "Text";
    }
}
