package dev.rebound.core.tls;

import java.util.Objects;
import java.util.Optional;

/**
 * What a destination asks of TLS: the configured mode of the domain and, when the domain publishes one (RFC 8461),
 * its MTA-STS policy and id.
 *
 * @param mode     the configured mode ({@code delivery.tls} or the domain's entry in {@code delivery.tls-policies})
 * @param policyId the MTA-STS policy id from the TXT record ("" when none)
 * @param sts      the MTA-STS policy, when one applies
 */
public record TlsRequirement(TlsMode mode, String policyId, Optional<StsPolicy> sts) {
    public TlsRequirement {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(policyId, "policyId");
        Objects.requireNonNull(sts, "sts");
    }

    /** The configured mode alone (no MTA-STS policy, or a route/relay that bypasses MX). */
    public static TlsRequirement of(TlsMode mode) {
        return new TlsRequirement(mode, "", Optional.empty());
    }

    /** The configured mode with an MTA-STS policy of the given id. */
    public static TlsRequirement withSts(TlsMode mode, String policyId, StsPolicy policy) {
        return new TlsRequirement(mode, policyId, Optional.of(policy));
    }

    /** The MTA-STS mode that applies, {@code NONE} without a policy. */
    public StsMode stsMode() {
        return sts.map(StsPolicy::mode).orElse(StsMode.NONE);
    }

    /**
     * Whether to send STARTTLS when the server offers it: unless the mode is none and no MTA-STS policy in
     * enforce or testing mode asks for TLS (a policy is never met in plain text, so it upgrades {@code none}).
     */
    public boolean startTls() {
        return mode != TlsMode.NONE || stsMode() != StsMode.NONE;
    }
}
