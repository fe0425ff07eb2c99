package dev.rebound.bench;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Replies classified per second on one thread, over a rotating set of ~50 realistic replies (Gmail,
 * Microsoft, Yahoo, iCloud, GMX, Orange, Comcast, Postfix/Exim/sendmail/qmail, DNSBLs, Rebound's own).
 * {@code parseAndClassify} includes strict parsing of the wire text; {@code classifyOnly} starts from a parsed
 * {@link SmtpReply}.
 * <pre>
 * mvn -B -q -Pbench package -DskipTests -pl rebound-core,rebound-bench
 * java -jar rebound-bench/target/rebound-bench.jar ClassifyBenchmark -f 1 -wi 2 -w 2s -i 3 -r 2s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class ClassifyBenchmark {
    static final List<String> REPLIES = List.of(
            "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
                    + "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
                    + "550-5.1.1 unnecessary spaces. Learn more at\r\n"
                    + "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
            "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please\r\n"
                    + "552 5.2.2 direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm",
            "550 5.2.1 The email account that you tried to reach is disabled.",
            "421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating\r\n"
                    + "421 4.7.28 from your IP address. To protect our users from spam, mail has been rate limited.",
            "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\r\n"
                    + "550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.",
            "550 5.7.25 The IP address sending this message does not have a PTR record setup",
            "421 4.7.0 [192.0.2.1] suspicious due to the very low reputation of the sending IP address.",
            "552 5.3.4 Your message exceeded Google's message size limits.",
            "250 2.0.0 OK  1700000000 a1si123 - gsmtp",
            "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
            "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN1NAM02FT047.eop-nam02.prod.protection.outlook.com]",
            "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 AS(1450)",
            "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/",
            "550 5.7.509 Access denied, sending domain example.org does not pass DMARC verification and has a DMARC policy of reject.",
            "550 5.2.2 STOREDRV.Deliver: mailbox full.",
            "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation. (S3113)",
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1",
            "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
            "554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1234.mail.ne1.yahoo.com",
            "554 30 Sorry, your message to x@aol.com cannot be delivered. This account has been disabled or discontinued [#102].",
            "552 5.2.2 <x@icloud.com>: user is over quota",
            "554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
            "550 Requested action not taken: mailbox unavailable",
            "554-gmx.net (mxgmx016) Nemesis ESMTP Service not available\r\n554-No SMTP service\r\n"
                    + "554-Bad DNS PTR resource record.\r\n554 For explanation visit http://postmaster.gmx.com/en/error-messages?ip=192.0.2.1&c=rdns",
            "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]",
            "421 mwinf5c77 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_999 [999]",
            "554 resimta-ch2-18v.sys.comcast.net 192.0.2.1 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
            "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local recipient table",
            "554 5.7.1 <x@example.com>: Relay access denied",
            "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]",
            "450 4.2.0 <x@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html",
            "452 4.3.1 Insufficient system storage",
            "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
            "550 Unrouteable address",
            "550 5.7.1 Sender verify failed",
            "451 Temporary local problem - please try later",
            "550 5.1.1 <x@example.com>... User unknown",
            "553 5.1.8 <bounce@example.org>... Domain of sender address bounce@example.org does not exist",
            "452 4.4.5 Insufficient disk space; try again later",
            "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
            "550 sorry, no mailbox here by that name. (#5.1.1)",
            "554 Your access to this mail system has been rejected due to the sending MTA's poor reputation.",
            "554 5.7.1 Message rejected: virus found (Eicar-Test-Signature)",
            "550 5.7.1 Message content rejected, UBE, id=00000-22-225",
            "550 5.1.2 example.invalid: no such domain (NXDOMAIN)",
            "556 5.1.10 example.com accepts no mail (null MX, RFC 7505)",
            "451 4.4.3 DNS lookup for example.com failed: SERVFAIL",
            "421 4.4.2 Connection to mx.example.com [192.0.2.1]:25 timed out",
            "450 5.1.1 <x@example.com>: mailbox unavailable",
            "550 Requested action not taken");

    private final ReplyClassifier classifier = ReplyClassifier.standard();
    private SmtpReply[] parsed;
    private String[] wire;
    private int i;

    @Setup
    public void setup() {
        wire = REPLIES.toArray(String[]::new);
        parsed = REPLIES.stream().map(SmtpReplyParser::parse).toArray(SmtpReply[]::new);
        i = 0;
    }

    @Benchmark
    public Classification classifyOnly() {
        int k = i;
        i = k + 1 == parsed.length ? 0 : k + 1;
        return classifier.classify(parsed[k], SmtpPhase.RCPT, "example.com");
    }

    @Benchmark
    public Classification parseAndClassify() {
        int k = i;
        i = k + 1 == wire.length ? 0 : k + 1;
        return classifier.classify(SmtpReplyParser.parse(wire[k]), SmtpPhase.RCPT, "example.com");
    }
}
