package dev.rebound.server.intake;

import java.util.List;

/**
 * Where the SMTP listener hands mail sent to Rebound's bounce addresses ({@code bounces+<recipient-id>@<bounces.domain>}):
 * accepted from any client (bounces come from every MTA on the internet, not from the relay networks), never relayed.
 */
public interface BounceSink {
    /** True for one of Rebound's bounce addresses. */
    boolean isBounceAddress(String address);

    /**
     * Parses the returned mail and stores what it says; returns only after the store committed (the listener
     * writes its 250 then).
     *
     * @return a short summary for the 250 reply (e.g. "2 records")
     */
    String receive(String mailFrom, List<String> bounceAddresses, byte[] raw);
}
