package dev.rebound.core.dsn;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * Flattens an email into its leaf parts with Apache mime4j's stream parser (RFC 2045/2046): permissive
 * configuration, silent decode monitor, transfer encodings decoded, bodies decoded with their declared charset
 * (unknown charsets fall back to UTF-8 with replacement, never an exception). Embedded {@code message/rfc822}
 * parts are recursed into; their depth is kept so that the returned (original) message can be told apart
 * from the bounce text. Bodies are capped at {@link #MAX_BODY} bytes.
 */
final class MimeWalk {
    static final int MAX_BODY = 512 * 1024;
    private static final MimeConfig CONFIG = MimeConfig.custom()
            .setMaxLineLen(-1).setMaxHeaderCount(-1).setMaxHeaderLen(-1).setMaxContentLen(-1)
            .setStrictParsing(false).setMalformedHeaderStartsBody(false).build();

    /** One leaf part. {@code depth} 0 = the bounce itself, 1+ = inside an attached message. */
    record Part(int depth, String mimeType, Headers headers, String text) {}

    /** The result: top-level headers, the first attached message's headers (or empty) and the leaf parts. */
    record Walk(Headers top, Headers attached, List<Part> parts, String preamble, Headers attached2) {
        /** The attached message as a walk of its own (a bounce returned inside another bounce). */
        Walk attachedAsTop() {
            List<Part> inner = new ArrayList<>();
            for (Part p : parts) {
                if (p.depth() >= 1) inner.add(new Part(p.depth() - 1, p.mimeType(), p.headers(), p.text()));
            }
            return new Walk(attached, attached2, inner, "", Headers.EMPTY);
        }
    }

    private MimeWalk() {}

    static Walk walk(byte[] email) throws MimeException, IOException {
        Handler h = new Handler();
        MimeStreamParser p = new MimeStreamParser(CONFIG, DecodeMonitor.SILENT, null);
        p.setContentDecoding(true);
        p.setRecurse();
        p.setContentHandler(h);
        p.parse(new ByteArrayInputStream(email));
        return new Walk(h.top == null ? Headers.EMPTY : h.top,
                h.attached == null ? Headers.EMPTY : h.attached, h.parts, h.preamble.toString(),
                h.attached2 == null ? Headers.EMPTY : h.attached2);
    }

    private static final class Handler extends AbstractContentHandler {
        int depth = -1;
        Headers top, attached, attached2;
        boolean attachedIsBounce;
        Headers.Builder current;
        final List<Part> parts = new ArrayList<>();
        Headers lastHeaders = Headers.EMPTY;
        boolean headerOfMessage;
        final StringBuilder preamble = new StringBuilder();

        @Override public void preamble(InputStream is) throws IOException {
            if (depth == 0 && preamble.length() < MAX_BODY) {
                preamble.append(decodeNext(is, "ISO-8859-1")).append('\n');
            }
        }
        @Override public void epilogue(InputStream is) throws IOException {
            if (depth == 0 && preamble.length() < MAX_BODY) {
                preamble.append(decodeNext(is, "ISO-8859-1")).append('\n');
            }
        }

        @Override public void startMessage() { depth++; headerOfMessage = true; }
        @Override public void endMessage() { depth--; }
        @Override public void startBodyPart() { headerOfMessage = false; }
        @Override public void startHeader() { current = new Headers.Builder(); }
        @Override public void field(Field field) {
            if (current != null) current.add(field.getName(), field.getBody());
        }
        @Override public void endHeader() {
            Headers hs = current == null ? Headers.EMPTY : current.build();
            current = null;
            lastHeaders = hs;
            if (headerOfMessage) {
                if (depth == 0 && top == null) top = hs;
                else if (depth == 1 && attached == null) {
                    attached = hs;
                    String from = hs.get("From").toLowerCase(Locale.ROOT);
                    attachedIsBounce = from.contains("mailer-daemon") || from.contains("postmaster")
                            || hs.get("Content-Type").toLowerCase(Locale.ROOT).contains("report");
                } else if (depth == 2 && attached2 == null) attached2 = hs;
            }
            headerOfMessage = false;
        }
        @Override public void body(BodyDescriptor bd, InputStream is) throws IOException {
            if (depth > 1 || depth == 1 && !attachedIsBounce) {
                // The returned original message: only its headers matter, its content is never read.
                parts.add(new Part(depth, bd.getMimeType() == null ? "text/plain" : bd.getMimeType().toLowerCase(Locale.ROOT),
                        lastHeaders, ""));
                return;
            }
            String text = decodeNext(is, bd.getCharset());
            String mime = bd.getMimeType() == null ? "text/plain" : bd.getMimeType().toLowerCase(Locale.ROOT);
            parts.add(new Part(Math.max(depth, 0), mime, lastHeaders, text));
        }

        /**
         * Up to {@link #MAX_BODY} bytes of a part (as {@code InputStream.readNBytes(MAX_BODY)} reads them) decoded with
         * {@code charset}. The bytes go into one scratch buffer per walk, grown as needed and reused for every part
         * (readNBytes allocates 16 KB and a copy per call, and most parts are far smaller).
         */
        private byte[] scratch = new byte[2048];

        String decodeNext(InputStream is, String charset) throws IOException {
            int n = 0;
            while (n < MAX_BODY) {
                if (n == scratch.length) scratch = Arrays.copyOf(scratch, Math.min(MAX_BODY, scratch.length * 2));
                int r = is.read(scratch, n, scratch.length - n);
                if (r < 0) break;
                n += r;
            }
            return decode(scratch, n, charset);
        }
    }

    /** Charsets by declared name, including the names Java does not know (mapped to UTF-8); a bounded cache. */
    private static final Map<String, Charset> CHARSETS = new ConcurrentHashMap<>();

    static Charset charset(String name) {
        if (name == null || name.isBlank()) return StandardCharsets.UTF_8;
        Charset known = CHARSETS.get(name);
        if (known != null) return known;
        Charset cs;
        try {
            cs = Charset.forName(name.trim());
        } catch (RuntimeException e) {
            cs = StandardCharsets.UTF_8;
        }
        if (CHARSETS.size() < 256) CHARSETS.put(name, cs);
        return cs;
    }

    static String decode(byte[] b, int length, String charset) {
        Charset cs = charset(charset);
        try {
            return new String(b, 0, length, cs);
        } catch (RuntimeException e) {
            return new String(b, 0, length, StandardCharsets.ISO_8859_1);
        }
    }
}
