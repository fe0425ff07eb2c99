package dev.rebound.core.classify;

/** Where in the SMTP dialogue a reply was received (RFC 5321 §3). */
public enum SmtpPhase {
    CONNECT, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, END_OF_DATA, QUIT,
    /** Not from a live dialogue: DNS resolution, a DSN, a provider event. */
    NONE
}
