package dev.rebound.core.tls;

import dev.rebound.core.tls.TlsDecision.Verdict;

/**
 * Whether mail may go to one MX host over one connection: a pure function of the destination's
 * {@link TlsRequirement}, the MX host name and what the connection did about TLS ({@link TlsResult}).
 *
 * <p>Design. The configured modes are Postfix's security levels (none, may, encrypt, verify; RFC 3207 lets a
 * client insist on TLS). An MTA-STS policy (RFC 8461 §5) in {@code enforce} mode overrides them upward: only MX
 * hosts that match a pattern (§4.1), only over TLS with a certificate that chains to a trusted root and names the
 * host (§4.2), never in plain text; a host that fails is skipped and the attempt becomes a temporary failure
 * (§5.1: a message is not failed permanently before the policy was checked again). In {@code testing} mode the
 * mail goes anyway (at least opportunistically) and the failure is recorded, as TLSRPT (RFC 8460) would report it.
 * A policy in mode {@code none} is no policy. DANE (RFC 7672) is not implemented, so MTA-STS always applies when
 * published (RFC 8461 §2 would let DANE take precedence).
 *
 * <p>Rules ({@code <why>} is {@code not-offered}, {@code refused}, {@code handshake}, {@code unverified} or
 * {@code plain}):
 * <ul>
 *   <li>{@code mta-sts.enforce.mx-mismatch} DENIED (before connecting, and again on the connection);
 *       {@code mta-sts.enforce.<why>} DENIED; {@code mta-sts.enforce.ok} ALLOWED (TLS verified, host matches).</li>
 *   <li>Otherwise the configured mode ({@code none} upgraded to {@code opportunistic} by a testing policy):
 *       {@code tls.none} ALLOWED; {@code tls.opportunistic.tls} / {@code .plain} /
 *       {@code .plain-after-failure} ALLOWED, {@code tls.opportunistic.fallback} RETRY_PLAIN (handshake failed: once
 *       more in plain text on the same address); {@code tls.require.ok} ALLOWED, {@code tls.require.<why>} DENIED;
 *       {@code tls.verify.ok} ALLOWED, {@code tls.verify.<why>} DENIED.</li>
 *   <li>With a testing policy, when the configured mode allows: {@code mta-sts.testing.ok} ALLOWED;
 *       {@code mta-sts.testing.mx-mismatch} / {@code mta-sts.testing.<why>} ALLOWED_WITH_FAILURE
 *       ({@code mta-sts.testing.handshake} keeps RETRY_PLAIN).</li>
 * </ul>
 */
public final class TlsPolicy {
    private TlsPolicy() {}

    /** Before connecting: may this MX host be tried at all? Only an enforce policy refuses a host here. */
    public static TlsDecision host(TlsRequirement r, String mxHost) {
        StsMode sts = r.stsMode();
        boolean matches = r.sts().map(p -> p.allows(mxHost)).orElse(true);
        if (sts == StsMode.ENFORCE && !matches) {
            return new TlsDecision(Verdict.DENIED, "mta-sts.enforce.mx-mismatch", mismatch(r, mxHost), r.mode(), r.policyId(), "");
        }
        if (sts == StsMode.TESTING && !matches) {
            return new TlsDecision(Verdict.ALLOWED_WITH_FAILURE, "mta-sts.testing.mx-mismatch", mismatch(r, mxHost), r.mode(), r.policyId(), "");
        }
        String rule = sts == StsMode.NONE ? "tls." + r.mode().id() + ".host" : "mta-sts." + sts.name().toLowerCase(java.util.Locale.ROOT) + ".mx-match";
        return new TlsDecision(Verdict.ALLOWED, rule, "", r.mode(), r.policyId(), "");
    }

    /** On a connection, after EHLO and STARTTLS: may the transaction be sent over it? */
    public static TlsDecision session(TlsRequirement r, String mxHost, TlsResult result) {
        String tls = result.describe();
        String id = r.policyId();
        StsMode sts = r.stsMode();
        boolean matches = r.sts().map(p -> p.allows(mxHost)).orElse(true);
        if (sts == StsMode.ENFORCE) {
            if (!matches) return new TlsDecision(Verdict.DENIED, "mta-sts.enforce.mx-mismatch", mismatch(r, mxHost), r.mode(), id, tls);
            if (result instanceof TlsResult.Verified) return new TlsDecision(Verdict.ALLOWED, "mta-sts.enforce.ok", "", r.mode(), id, tls);
            return new TlsDecision(Verdict.DENIED, "mta-sts.enforce." + why(result),
                    "the MTA-STS policy (enforce) needs TLS with a verified certificate for " + mxHost, r.mode(), id, tls);
        }
        TlsMode mode = sts == StsMode.TESTING && r.mode() == TlsMode.NONE ? TlsMode.OPPORTUNISTIC : r.mode();
        TlsDecision base = configured(mode, r.mode(), mxHost, result, id, tls);
        if (sts != StsMode.TESTING || base.verdict() == Verdict.DENIED) return base;
        String failure = !matches ? "mx-mismatch" : result instanceof TlsResult.Verified ? null : why(result);
        if (failure == null) return new TlsDecision(Verdict.ALLOWED, "mta-sts.testing.ok", "", r.mode(), id, tls);
        String detail = !matches ? mismatch(r, mxHost)
                : "the MTA-STS policy (testing) is not met: it asks for TLS with a verified certificate for " + mxHost;
        Verdict v = base.verdict() == Verdict.RETRY_PLAIN ? Verdict.RETRY_PLAIN : Verdict.ALLOWED_WITH_FAILURE;
        return new TlsDecision(v, "mta-sts.testing." + failure, detail, r.mode(), id, tls);
    }

    private static TlsDecision configured(TlsMode mode, TlsMode configured, String mxHost, TlsResult result, String id, String tls) {
        String prefix = "tls." + mode.id() + ".";
        return switch (mode) {
            case NONE -> new TlsDecision(Verdict.ALLOWED, "tls.none", "", configured, id, tls);
            case OPPORTUNISTIC -> switch (result) {
                case TlsResult.Verified v -> new TlsDecision(Verdict.ALLOWED, prefix + "tls", "", configured, id, tls);
                case TlsResult.Unverified u -> new TlsDecision(Verdict.ALLOWED, prefix + "tls", "", configured, id, tls);
                case TlsResult.HandshakeFailed h -> new TlsDecision(Verdict.RETRY_PLAIN, prefix + "fallback",
                        "retrying " + mxHost + " once in plain text", configured, id, tls);
                case TlsResult.NotAttempted n -> new TlsDecision(Verdict.ALLOWED, prefix + "plain-after-failure", "", configured, id, tls);
                case TlsResult.NotOffered n -> new TlsDecision(Verdict.ALLOWED, prefix + "plain", "", configured, id, tls);
                case TlsResult.Refused n -> new TlsDecision(Verdict.ALLOWED, prefix + "plain", "", configured, id, tls);
            };
            case REQUIRE -> result.encrypted()
                    ? new TlsDecision(Verdict.ALLOWED, prefix + "ok", "", configured, id, tls)
                    : new TlsDecision(Verdict.DENIED, prefix + why(result), "TLS is required for " + mxHost + " (delivery.tls require)", configured, id, tls);
            case VERIFY -> result instanceof TlsResult.Verified
                    ? new TlsDecision(Verdict.ALLOWED, prefix + "ok", "", configured, id, tls)
                    : new TlsDecision(Verdict.DENIED, prefix + why(result),
                            "TLS with a verified certificate is required for " + mxHost + " (delivery.tls verify)", configured, id, tls);
        };
    }

    /** The rule suffix naming what was missing. */
    private static String why(TlsResult result) {
        return switch (result) {
            case TlsResult.NotOffered n -> "not-offered";
            case TlsResult.Refused r -> "refused";
            case TlsResult.HandshakeFailed h -> "handshake";
            case TlsResult.Unverified u -> "unverified";
            case TlsResult.NotAttempted n -> "plain";
            case TlsResult.Verified v -> "ok";
        };
    }

    private static String mismatch(TlsRequirement r, String mxHost) {
        return "MX host " + mxHost + " matches none of the MTA-STS policy's mx patterns " + r.sts().map(StsPolicy::mx).orElseThrow();
    }
}
