package dev.rebound.server.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A scripted authoritative DNS server on 127.0.0.1 (UDP, random port) for tests that point dnsjava at it.
 *
 * <p>Answers are built with dnsjava's own {@link Message}. Names are scripted per name (and optionally per
 * type); a name that was never scripted answers NXDOMAIN, a scripted name asked for a type it has no records
 * of answers NODATA (NOERROR, empty answer). Example:
 * <pre>{@code
 * try (FakeDns dns = FakeDns.start()) {
 *     dns.mx("example.test", 10, "mx1.example.test").mx("example.test", 20, "mx2.example.test")
 *        .a("mx1.example.test", "127.0.0.1").a("mx2.example.test", "127.0.0.1");
 *     dns.nullMx("nomail.test");            // MX 0 .  (RFC 7505)
 *     dns.servfail("broken.test");          // SERVFAIL for every type
 *     dns.noAnswer("slow.test");            // never answers: the client times out
 *     dns.a("implicit.test", "127.0.0.1");  // no MX: NODATA for MX, A answers
 *     dns.txt("_mta-sts.example.test", "v=STSv1; ", "id=20261201;"); // one TXT record of two strings
 *     resolverAddress = dns.address();
 * }
 * }</pre>
 * All methods are thread-safe and may be called while the server runs.
 */
public final class FakeDns implements AutoCloseable {
    /** What the server does for a name (and type) other than answering with records. */
    private enum Behaviour { NXDOMAIN, SERVFAIL, NO_ANSWER, REFUSED }

    private static final long TTL = 60;

    private final DatagramSocket socket;
    private final Thread loop;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    /** Key: name + "/" + type, or name + "/*" for every type. */
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private final AtomicInteger answered = new AtomicInteger();

    private FakeDns(DatagramSocket socket) {
        this.socket = socket;
        this.loop = Thread.ofPlatform().daemon().name("fake-dns-" + socket.getLocalPort()).start(this::serve);
    }

    /** Starts a server on 127.0.0.1 on a free UDP port. */
    public static FakeDns start() {
        try {
            return new FakeDns(new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
        } catch (SocketException e) {
            throw new IllegalStateException("cannot bind a UDP socket on 127.0.0.1 for the fake DNS server", e);
        }
    }

    /** The address to configure as the DNS server ({@code 127.0.0.1:port}). */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), socket.getLocalPort());
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Adds an MX record {@code domain MX preference host}. */
    public FakeDns mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(host)));
    }

    /** Adds the RFC 7505 null MX {@code domain MX 0 .}. */
    public FakeDns nullMx(String domain) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, 0, Name.root));
    }

    /** Adds an A record. */
    public FakeDns a(String host, String ipv4) {
        return add(new ARecord(name(host), DClass.IN, TTL, address(ipv4)));
    }

    /** Adds an AAAA record. */
    public FakeDns aaaa(String host, String ipv6) {
        return add(new AAAARecord(name(host), DClass.IN, TTL, address(ipv6)));
    }

    /** Adds one TXT record made of {@code strings} (each at most 255 octets, RFC 1035 §3.3.14). */
    public FakeDns txt(String name, String... strings) {
        return add(new TXTRecord(name(name), DClass.IN, TTL, List.of(strings)));
    }

    /** Removes every record of {@code name} of one type (e.g. to change a TXT record between deliveries). */
    public FakeDns remove(String name, int type) {
        List<Record> l = records.get(name(name));
        if (l != null) l.removeIf(r -> r.getType() == type);
        return this;
    }

    /**
     * Makes {@code name} exist without records of any asked type, so every query answers NODATA (NOERROR
     * with an empty answer section). Adding records later still answers those types.
     */
    public FakeDns nodata(String name) {
        records.computeIfAbsent(name(name), n -> new CopyOnWriteArrayList<>());
        return this;
    }

    /** Answers NXDOMAIN for every type (also the default for names never scripted). */
    public FakeDns nxdomain(String name) {
        return behave(name, null, Behaviour.NXDOMAIN);
    }

    /** Answers SERVFAIL for every type of {@code name}. */
    public FakeDns servfail(String name) {
        return behave(name, null, Behaviour.SERVFAIL);
    }

    /** Answers SERVFAIL for one type only, e.g. {@code servfail("x.test", Type.A)}. */
    public FakeDns servfail(String name, int type) {
        return behave(name, type, Behaviour.SERVFAIL);
    }

    /** Never answers queries for {@code name}: the client sees a timeout. */
    public FakeDns noAnswer(String name) {
        return behave(name, null, Behaviour.NO_ANSWER);
    }

    /** Never answers queries of one type for {@code name}. */
    public FakeDns noAnswer(String name, int type) {
        return behave(name, type, Behaviour.NO_ANSWER);
    }

    /** Every query received, as {@code "name. TYPE"} (e.g. {@code "example.test. MX"}), in order. */
    public List<String> queries() {
        return List.copyOf(queries);
    }

    /** How many queries were answered (dropped ones are not counted). */
    public int answered() {
        return answered.get();
    }

    @Override
    public void close() {
        socket.close();
        try {
            loop.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FakeDns add(Record r) {
        records.computeIfAbsent(r.getName(), n -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    private FakeDns behave(String name, Integer type, Behaviour b) {
        behaviours.put(key(name(name), type), b);
        return this;
    }

    private static String key(Name name, Integer type) {
        return name.toString().toLowerCase(Locale.ROOT) + "/" + (type == null ? "*" : Type.string(type));
    }

    private void serve() {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                return; // closed
            }
            try {
                Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                byte[] reply = answer(query);
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                    answered.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                // a malformed query is ignored, as a real server would drop it
            }
        }
    }

    private byte[] answer(Message query) {
        Record question = query.getQuestion();
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
        response.getHeader().setFlag(Flags.RA);
        if (question == null) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return response.toWire();
        }
        response.addRecord(question, Section.QUESTION);
        Name name = question.getName();
        int type = question.getType();
        queries.add(name + " " + Type.string(type));
        Behaviour b = behaviours.getOrDefault(key(name, type), behaviours.get(key(name, null)));
        if (b == Behaviour.NO_ANSWER) return null;
        if (b != null) {
            response.getHeader().setRcode(switch (b) {
                case NXDOMAIN -> Rcode.NXDOMAIN;
                case SERVFAIL -> Rcode.SERVFAIL;
                case REFUSED -> Rcode.REFUSED;
                case NO_ANSWER -> throw new AssertionError();
            });
            return response.toWire();
        }
        List<Record> known = records.get(name);
        if (known == null) {
            response.addRecord(soa(name), Section.AUTHORITY);
            response.getHeader().setRcode(Rcode.NXDOMAIN);
            return response.toWire();
        }
        List<Record> matching = new ArrayList<>();
        for (Record r : known) if (r.getType() == type) matching.add(r);
        for (Record r : matching) response.addRecord(r, Section.ANSWER);
        // empty answer = NODATA; like a real authoritative server, add the SOA for negative caching (RFC 2308)
        if (matching.isEmpty()) response.addRecord(soa(name), Section.AUTHORITY);
        response.getHeader().setRcode(Rcode.NOERROR);
        return response.toWire();
    }

    /** A SOA for the zone of {@code name} (its parent, or the name itself for a TLD). */
    private static SOARecord soa(Name name) {
        Name zone = name.labels() > 2 ? new Name(name, 1) : name;
        try {
            return new SOARecord(zone, DClass.IN, TTL, Name.fromString("ns." + zone), Name.fromString("admin." + zone),
                    1, 3600, 600, 86400, TTL);
        } catch (TextParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: \"" + s + "\"", e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            // literal only: getByName with an IP literal does no lookup
            if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new IllegalArgumentException("not an IP literal: \"" + literal + "\"");
            }
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP literal: \"" + literal + "\"", e);
        }
    }
}
