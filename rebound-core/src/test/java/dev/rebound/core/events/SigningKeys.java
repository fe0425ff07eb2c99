package dev.rebound.core.events;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Key material generated for one test run, so a test can sign what a provider would sign: an RSA key with a
 * self-signed X.509 certificate for SNS (the fixtures' certificate comes without its private key), and an
 * ECDSA P-256 key for SendGrid. The certificate is a real DER one (RFC 5280 §4.1, version 1, no extensions),
 * parsed by the JDK's {@link CertificateFactory}; only JDK crypto is used.
 */
final class SigningKeys {
    final KeyPair sns;
    final X509Certificate snsCertificate;
    final KeyPair sendGrid;

    SigningKeys() {
        try {
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(1024); // the size does not matter to the parsing under test, and 1024 signs 4x faster
            sns = rsa.generateKeyPair();
            snsCertificate = selfSigned(sns, "Rebound test SNS signing certificate (not Amazon's)");
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"));
            sendGrid = ec.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA, EC P-256 and X.509 are required of every JDK", e);
        }
    }

    /** The SendGrid verification key the way SendGrid shows it: base64 of the DER SubjectPublicKeyInfo. */
    String sendGridPublicKey() {
        return Base64.getEncoder().encodeToString(sendGrid.getPublic().getEncoded());
    }

    static byte[] sign(String algorithm, PrivateKey key, byte[]... parts) {
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            for (byte[] p : parts) s.update(p);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " signing failed", e);
        }
    }

    private static X509Certificate selfSigned(KeyPair keys, String commonName) throws GeneralSecurityException {
        byte[] sha256WithRsa = der(0x30, der(0x06, new byte[] {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
                0x0d, 0x01, 0x01, 0x0b}), new byte[] {0x05, 0x00});
        byte[] name = der(0x30, der(0x31, der(0x30, der(0x06, new byte[] {0x55, 0x04, 0x03}),
                der(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
        byte[] validity = der(0x30, der(0x17, "250101000000Z".getBytes(StandardCharsets.US_ASCII)),
                der(0x17, "491231235959Z".getBytes(StandardCharsets.US_ASCII)));
        byte[] tbs = der(0x30, der(0x02, new byte[] {0x01}), sha256WithRsa, name, validity, name,
                keys.getPublic().getEncoded());
        byte[] signature = sign("SHA256withRSA", keys.getPrivate(), tbs);
        byte[] bits = new byte[signature.length + 1];
        System.arraycopy(signature, 0, bits, 1, signature.length);
        byte[] cert = der(0x30, tbs, sha256WithRsa, der(0x03, bits));
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(cert));
    }

    /** One DER TLV (X.690 §8.1): tag, definite length, then the concatenated contents. */
    private static byte[] der(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] c : contents) body.writeBytes(c);
        int n = body.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }
}
