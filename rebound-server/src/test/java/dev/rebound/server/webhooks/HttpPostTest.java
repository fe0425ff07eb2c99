package dev.rebound.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The webhook POST client against a scripted HTTP/1.1 server on a real socket. */
class HttpPostTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** Answers request number n (over all connections) with {@code answers.apply(n)}; null closes the connection. */
    private static final class Server implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final List<String> heads = new CopyOnWriteArrayList<>();

        Server(IntFunction<String> answers) throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s, answers));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s, IntFunction<String> answers) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1))) {
                OutputStream out = s.getOutputStream();
                while (true) {
                    StringBuilder head = new StringBuilder();
                    int length = 0;
                    for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                        head.append(line).append('\n');
                        if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
                    }
                    if (head.isEmpty()) return;
                    for (int i = 0; i < length; i++) in.read(); // ISO-8859-1: one char per byte
                    heads.add(head.toString());
                    String answer = answers.apply(requests.getAndIncrement());
                    if (answer == null) return;
                    out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/hook?x=1");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static HttpPost.Response post(HttpPost client, URI uri, Duration timeout) throws IOException {
        return client.post(uri, List.of(Map.entry("webhook-id", "evt_1")), "{}".getBytes(StandardCharsets.UTF_8), timeout, 1024);
    }

    @Test
    void chunkedAnswersAreReadAndTheConnectionIsReused() throws IOException {
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n";
        try (Server server = new Server(n -> n == 0 ? "HTTP/1.1 100 Continue\r\n\r\n" + chunked : "HTTP/1.1 204 No Content\r\n\r\n");
             HttpPost client = new HttpPost()) {
            HttpPost.Response first = post(client, server.uri(), TIMEOUT);
            HttpPost.Response second = post(client, server.uri(), TIMEOUT);
            assertThat(first.status()).isEqualTo(200);
            assertThat(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo("abcde");
            assertThat(second.status()).isEqualTo(204);
            assertThat(server.connections.get()).isEqualTo(1);
            assertThat(server.heads.getFirst()).startsWith("POST /hook?x=1 HTTP/1.1\nHost: 127.0.0.1:" + server.socket.getLocalPort() + "\n")
                    .contains("Content-Length: 2\n", "webhook-id: evt_1\n");
        }
    }

    @Test
    void connectionCloseAndBodiesLongerThanKeptAreHandled() throws IOException {
        String big = "x".repeat(5000);
        try (Server server = new Server(n -> "HTTP/1.1 500 Oops\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + big);
             HttpPost client = new HttpPost()) {
            HttpPost.Response first = post(client, server.uri(), TIMEOUT);
            HttpPost.Response second = post(client, server.uri(), TIMEOUT);
            assertThat(first.status()).isEqualTo(500);
            assertThat(first.body()).hasSize(1024);
            assertThat(second.status()).isEqualTo(500);
            assertThat(server.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void aKeptConnectionClosedByTheServerIsReplacedOnce() throws IOException {
        // the server closes the connection after each answer without saying so; the next request finds it closed
        try (Server server = new Server(n -> n % 2 == 0 ? "HTTP/1.1 204 No Content\r\n\r\n" : null);
             HttpPost client = new HttpPost()) {
            assertThat(post(client, server.uri(), TIMEOUT).status()).isEqualTo(204);
            // request 1 reaches the old connection, which closes without an answer; it is sent again on a new one
            assertThat(post(client, server.uri(), TIMEOUT).status()).isEqualTo(204);
            assertThat(server.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void malformedAndOversizedAnswersAreRefusedWithWhatCame() throws IOException {
        String longHeader = "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(HttpPost.MAX_LINE) + "\r\n\r\n";
        try (Server server = new Server(n -> switch (n) {
            case 0 -> "SMTP 250 ok\r\n\r\n";
            case 1 -> longHeader;
            case 2 -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc";
            default -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        }); HttpPost client = new HttpPost()) {
            assertThatThrownBy(() -> post(client, server.uri(), TIMEOUT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("not an HTTP/1.x status line: \"SMTP 250 ok\"");
            assertThatThrownBy(() -> post(client, server.uri(), TIMEOUT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("longer than " + HttpPost.MAX_LINE);
            assertThatThrownBy(() -> post(client, server.uri(), TIMEOUT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("two different Content-Length headers: 2 and 3");
            assertThatThrownBy(() -> post(client, server.uri(), TIMEOUT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("bad chunk size: \"zz\"");
        }
    }

    @Test
    void noAnswerWithinTheTimeoutIsATimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()); HttpPost client = new HttpPost()) {
            URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/");
            // the kernel accepts the connection (backlog); nobody ever answers
            assertThatThrownBy(() -> post(client, uri, Duration.ofMillis(300)))
                    .isInstanceOfAny(java.net.http.HttpTimeoutException.class, java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void noAnswerWithinTheTimeoutIsATimeout_alsoOnAVirtualThread() throws Exception {
        // the dispatcher sends on virtual threads: the deadline thread's close must end a parked read there too
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()); HttpPost client = new HttpPost()) {
            URI uri = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/");
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    post(client, uri, Duration.ofMillis(300));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            assertThat(t.join(Duration.ofSeconds(30))).as("the virtual thread's exchange ended").isTrue();
            assertThat(thrown.get()).isInstanceOf(java.net.http.HttpTimeoutException.class);
        }
    }

    @Test
    void pathsOfOneOriginShareItsConnection_headerValuesGoInUtf8() throws IOException {
        try (Server server = new Server(n -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); HttpPost client = new HttpPost()) {
            URI a = URI.create("http://127.0.0.1:" + server.socket.getLocalPort() + "/a");
            URI b = URI.create("http://127.0.0.1:" + server.socket.getLocalPort());
            for (URI uri : List.of(a, b, a)) {
                HttpPost.Response r = client.post(uri, List.of(Map.entry("X-Note", "caf\u00e9 \u6771"), Map.entry("webhook-id", "evt_2")),
                        new byte[12], TIMEOUT, 1);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).containsExactly('o');
            }
            assertThat(server.connections.get()).isEqualTo(1);
            String note = new String("X-Note: caf\u00e9 \u6771\n".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            assertThat(server.heads).hasSize(3);
            assertThat(server.heads.get(0)).startsWith("POST /a HTTP/1.1\nHost: 127.0.0.1:" + server.socket.getLocalPort() + "\nContent-Length: 12\n" + note + "webhook-id: evt_2\n");
            assertThat(server.heads.get(1)).startsWith("POST / HTTP/1.1\n");
            assertThat(server.heads.get(2)).isEqualTo(server.heads.get(0));
        }
    }

    @Test
    void headersWithALineBreakOrAColonInTheName_areRefusedBeforeSending() throws IOException {
        try (Server server = new Server(n -> "HTTP/1.1 204 No Content\r\n\r\n"); HttpPost client = new HttpPost()) {
            assertThatThrownBy(() -> client.post(server.uri(), List.of(Map.entry("X-A", "1\r\nX-B: 2")), new byte[0], TIMEOUT, 10))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("header X-A has a line break or colon");
            assertThatThrownBy(() -> client.post(server.uri(), List.of(Map.entry("X:A", "1")), new byte[0], TIMEOUT, 10))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("header X:A has a line break or colon");
            assertThatThrownBy(() -> client.post(URI.create("ftp://127.0.0.1/x"), List.of(), new byte[0], TIMEOUT, 10))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("not an http(s) URL: ftp://127.0.0.1/x");
            assertThat(server.connections.get()).isZero();
        }
    }

    @Test
    void linesAtTheLimit_bareLineFeeds_andAnEmptyTransferEncoding() throws IOException {
        // with CRLF a line may hold MAX_LINE - 1 octets (its CR counts), with a bare LF MAX_LINE
        String atLimit = "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(HttpPost.MAX_LINE - 9) + "\r\nX-Bare: " + "b".repeat(HttpPost.MAX_LINE - 8)
                + "\nContent-Length: 3\n\nabc";
        String overLimit = "HTTP/1.1 200 OK\r\nX-Long: " + "a".repeat(HttpPost.MAX_LINE - 8) + "\r\n\r\n";
        try (Server server = new Server(n -> switch (n) {
            case 0 -> atLimit;
            case 1 -> overLimit;
            default -> "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n";
        }); HttpPost client = new HttpPost()) {
            HttpPost.Response r = post(client, server.uri(), TIMEOUT);
            assertThat(r.status()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("abc");
            assertThatThrownBy(() -> post(client, server.uri(), TIMEOUT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("longer than " + HttpPost.MAX_LINE);
            assertThatThrownBy(() -> post(client, server.uri(), TIMEOUT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("bad Transfer-Encoding: \",\"");
        }
    }

    // ---- the parsers of status lines and numbers, against the patterns they replaced ------------------------

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] [1-5][0-9][0-9]( .*)?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{1,15}");

    @Property(tries = 3000, seed = "9112")
    void statusLines_asThePatternSaid(@ForAll("statusLines") String line) {
        boolean valid = STATUS_LINE.matcher(line).matches();
        assertThat(HttpPost.status(line)).isEqualTo(valid ? Integer.parseInt(line.substring(9, 12)) : -1);
    }

    @Property(tries = 3000, seed = "9112")
    void decimalAndHexNumbers_asThePatternsSaid(@ForAll("numbers") String s) {
        assertThat(HttpPost.decimal(s)).isEqualTo(DIGITS.matcher(s).matches() ? Long.parseLong(s) : -1);
        assertThat(HttpPost.hex(s)).isEqualTo(HEX.matcher(s).matches() ? Long.parseLong(s, 16) : -1);
    }

    @Provide
    Arbitrary<String> statusLines() {
        // octets as the client reads them (ISO-8859-1), mostly near a valid status line
        Arbitrary<String> piece = Arbitraries.oneOf(Arbitraries.of("HTTP/1.", "HTTP/1.1 ", "HTTP/1.0 ", "HTTP/2 ", "http/1.1 ", "200", "404",
                        "099", "600", "1", "0", "9", " ", "  ", "OK", "\r", "\u0085", "\t", "\u00e9", "\u0660", "\uff11", "Not Found"),
                Arbitraries.chars().range('\u0000', '\u00ff').map(String::valueOf));
        Arbitrary<String> valid = Arbitraries.of("HTTP/1.1 ", "HTTP/1.0 ").flatMap(v -> Arbitraries.integers().between(100, 599)
                .flatMap(code -> piece.list().ofMaxSize(4).map(rest -> v + code + String.join("", rest))));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, valid), net.jqwik.api.Tuple.of(1, piece.list().ofMaxSize(6).map(l -> String.join("", l))));
    }

    @Provide
    Arbitrary<String> numbers() {
        Arbitrary<String> c = Arbitraries.oneOf(Arbitraries.of("0", "1", "9", "a", "f", "A", "F", "g", "G", "-", "+", " ", "x", "\u0660", "\uff11", "\uff41"),
                Arbitraries.chars().range('\u0000', '\u00ff').map(String::valueOf));
        return c.list().ofMaxSize(20).map(l -> String.join("", l));
    }
}
