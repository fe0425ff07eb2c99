package dev.rebound.server.smtp;

import dev.rebound.server.config.ReboundConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The listener's STARTTLS (RFC 3207) server context from PEM files: {@code smtp.tls.cert} (certificate chain,
 * leaf first, as certbot's {@code fullchain.pem}) and {@code smtp.tls.key} (unencrypted PKCS#8,
 * {@code -----BEGIN PRIVATE KEY-----}, as certbot's {@code privkey.pem}; RSA, EC or EdDSA).
 */
final class ListenerTls {
    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private ListenerTls() {}

    static SSLContext context(ReboundConfig.Tls tls) {
        Certificate[] chain;
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(tls.cert())));
            if (certs.isEmpty()) throw new IllegalStateException("smtp.tls.cert " + tls.cert() + ": no certificate in the file; expected PEM (-----BEGIN CERTIFICATE-----)");
            chain = certs.toArray(Certificate[]::new);
        } catch (IOException e) {
            throw new IllegalStateException("smtp.tls.cert " + tls.cert() + ": cannot read the file: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("smtp.tls.cert " + tls.cert() + ": not a PEM certificate chain: " + e.getMessage(), e);
        }
        PrivateKey key = privateKey(tls, chain[0].getPublicKey().getAlgorithm());
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] none = new char[0];
            ks.setKeyEntry("smtp", key, none, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("smtp.tls.key " + tls.key() + " does not go with the certificate in smtp.tls.cert " + tls.cert() + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(ReboundConfig.Tls tls, String algorithm) {
        String pem;
        try {
            pem = Files.readString(tls.key(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("smtp.tls.key " + tls.key() + ": cannot read the file: " + e.getMessage(), e);
        }
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            String hint = pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
                    ? "it is a traditional (PKCS#1/SEC1) key; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem"
                    : pem.contains("BEGIN ENCRYPTED PRIVATE KEY")
                    ? "it is encrypted; decrypt it with: openssl pkcs8 -in KEY -out key.pem"
                    : "expected an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)";
            throw new IllegalStateException("smtp.tls.key " + tls.key() + ": no PKCS#8 private key: " + hint);
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalStateException("smtp.tls.key " + tls.key() + ": not a " + algorithm + " PKCS#8 key matching smtp.tls.cert: " + e.getMessage(), e);
        }
    }
}
