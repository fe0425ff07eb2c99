package dev.rebound.server.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An MTA-STS policy host for tests: a real HTTPS server (the JDK's {@code HttpsServer}) on 127.0.0.1 serving
 * {@code /.well-known/mta-sts.txt} as scripted. Its certificate (test resource {@code mta-sts.p12}, self-signed,
 * valid until 2126) names {@code mta-sts.sts.test} and {@code mta-sts.other.test}; {@link #withMxCertificate()}
 * serves with the fake MX's certificate instead (which names neither). Point the delivery client at it with
 * FakeDns {@code a("mta-sts.sts.test", "127.0.0.1")}, {@code DeliveryConfig.MtaSts#withPolicyPort(port())} and
 * {@link #trustAnchors()} (which trusts this certificate and the fake MX's).
 * <pre>{@code
 * try (FakeStsHost sts = FakeStsHost.start()) {
 *     sts.policy("version: STSv1\nmode: enforce\nmx: fake-mx.test\nmax_age: 86400\n");
 *     sts.respond(301, "text/plain", "").header("Location", "https://elsewhere.test/");
 *     sts.requests();   // the Host headers of the GETs received, in order
 * }
 * }</pre>
 */
public final class FakeStsHost implements AutoCloseable {
    private final HttpsServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 404;
    private volatile String contentType = "text/plain";
    private volatile byte[] body = new byte[0];
    private volatile String extraHeader;
    private volatile String extraValue;
    private volatile boolean chunked;

    private FakeStsHost(SSLContext tls) throws IOException {
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " Host=" + exchange.getRequestHeaders().getFirst("Host"));
            try (exchange) {
                if (!exchange.getRequestURI().getPath().equals("/.well-known/mta-sts.txt")) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", contentType);
                if (extraHeader != null) exchange.getResponseHeaders().set(extraHeader, extraValue);
                byte[] b = body;
                exchange.sendResponseHeaders(status, b.length == 0 ? -1 : chunked ? 0 : b.length);
                if (b.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(b);
                    }
                }
            }
        });
        server.start();
    }

    /** Starts a host with the {@code mta-sts.sts.test} certificate. */
    public static FakeStsHost start() {
        return start("mta-sts.p12");
    }

    /** Starts a host that presents the fake MX's certificate, which does not name any policy host. */
    public static FakeStsHost withMxCertificate() {
        return start("fakemx.p12");
    }

    private static FakeStsHost start(String resource) {
        try {
            return new FakeStsHost(serverContext(resource));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the fake MTA-STS policy host: " + e, e);
        }
    }

    /** Serves {@code policy} as {@code 200 text/plain}. */
    public FakeStsHost policy(String policy) {
        return respond(200, "text/plain; charset=utf-8", policy);
    }

    /** Serves any response. */
    public FakeStsHost respond(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body.getBytes(StandardCharsets.UTF_8);
        this.extraHeader = null;
        return this;
    }

    /** Adds one header to the scripted response. */
    public FakeStsHost header(String name, String value) {
        this.extraValue = value;
        this.extraHeader = name;
        return this;
    }

    /** Sends the body with chunked transfer encoding instead of Content-Length. */
    public FakeStsHost chunked(boolean v) {
        this.chunked = v;
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests received: {@code "GET /.well-known/mta-sts.txt Host=mta-sts.sts.test:port"}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** A trust store with the certificates of this host ({@code mta-sts.p12}) and of the fake MX ({@code fakemx.p12}). */
    public static KeyStore trustAnchors() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (String resource : List.of("mta-sts.p12", "fakemx.p12")) {
                KeyStore source = load(resource);
                for (String alias : java.util.Collections.list(source.aliases())) {
                    Certificate c = source.getCertificate(alias);
                    ks.setCertificateEntry("anchor-" + i++, c);
                }
            }
            return ks;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the test trust store: " + e, e);
        }
    }

    private static KeyStore load(String resource) throws Exception {
        try (InputStream in = FakeStsHost.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("test resource dev/rebound/server/testing/" + resource + " missing");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, "changeit".toCharArray());
            return ks;
        }
    }

    private static SSLContext serverContext(String resource) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(resource), "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
