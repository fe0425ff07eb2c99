package dev.rebound.server.delivery;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The trusted roots for the delivery client's certificate checks (the JDK trust store, or the anchors given in
 * {@link DeliveryConfig#trustAnchors()}), in two uses:
 * <ul>
 * <li>SMTP STARTTLS: {@link #observing()} gives a context whose trust manager <em>records</em> whether the peer's
 *     chain is PKIX-valid and names the host (the socket's endpoint identification, RFC 6125 via the JDK's
 *     "HTTPS" algorithm) but lets every handshake complete, so the pure {@code TlsPolicy} decides what an
 *     unverified certificate means for the mode; no mail is sent before that decision.</li>
 * <li>The MTA-STS policy fetch: {@link #strict()}, a context that fails the handshake on any certificate problem
 *     (RFC 8461 §3.3).</li>
 * </ul>
 */
final class TlsTrust {
    private final X509ExtendedTrustManager trust;

    TlsTrust(Optional<KeyStore> anchors) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(anchors.orElse(null));
            X509ExtendedTrustManager found = null;
            for (TrustManager tm : tmf.getTrustManagers()) if (tm instanceof X509ExtendedTrustManager x) found = x;
            if (found == null) throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager for " + tmf.getAlgorithm());
            this.trust = found;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise the certificate trust store: " + e.getMessage(), e);
        }
    }

    /** A context that verifies fully and fails the handshake otherwise. */
    SSLContext strict() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {trust}, null);
        return ctx;
    }

    /** A fresh context and the trust manager that observes its (single) handshake. */
    Observed observing() throws GeneralSecurityException {
        Observer o = new Observer(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {o}, null);
        return new Observed(ctx, o);
    }

    /** Asks the socket to check the peer's name against {@code host} (set before the handshake). */
    static void identifyAs(SSLSocket socket) {
        SSLParameters p = socket.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(p);
    }

    record Observed(SSLContext context, Observer observer) {}

    /** Records the verdict of the real trust manager without failing the handshake. */
    static final class Observer extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager real;
        private volatile String failure;
        private volatile boolean checked;

        Observer(X509ExtendedTrustManager real) {
            this.real = real;
        }

        /** Whether the server's certificate was checked at all (a handshake that failed earlier leaves it false). */
        boolean checked() {
            return checked;
        }

        /** Empty when the chain was trusted and named the host, else the problem. */
        Optional<String> failure() {
            return Optional.ofNullable(failure);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            try {
                real.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException | IllegalArgumentException e) {
                failure = describe(e, chain);
            }
            checked = true;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            try {
                real.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException | IllegalArgumentException e) {
                failure = describe(e, chain);
            }
            checked = true;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            try {
                real.checkServerTrusted(chain, authType);
                failure = "host name not checked";
            } catch (CertificateException | IllegalArgumentException e) {
                failure = describe(e, chain);
            }
            checked = true;
        }

        private static String describe(Exception e, X509Certificate[] chain) {
            String subject = chain == null || chain.length == 0 ? "no certificate" : chain[0].getSubjectX500Principal().getName();
            String m = String.valueOf(e.getMessage());
            // the PKIX message carries the whole exception chain; its first sentence is what matters
            int cut = m.indexOf(": sun.security");
            return (cut > 0 ? m.substring(0, cut) : m) + " (certificate " + subject + ")";
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("the delivery client does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("the delivery client does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the delivery client does not accept client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ((X509TrustManager) real).getAcceptedIssuers();
        }
    }
}
