package dev.rebound.server.cli;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.classify.ReplyClassifier;
import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.smtp.EnhancedStatus;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.core.smtp.SmtpReplyException;
import dev.rebound.core.smtp.SmtpReplyParser;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code rebound classify "<reply>"}: parses one SMTP reply strictly (RFC 5321 §4.2) and prints the
 * classifier's decision as one JSON object. Exit 0 on success, 2 when the reply or an option is invalid.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {
            "Classify one SMTP reply: prints outcome, reason, deciding rule id and evidence as JSON.",
            "Multi-line replies: separate lines with a newline or with the literal characters \\r\\n or \\n,",
            "e.g. \"550-5.1.1 The email account does not exist.\\r\\n550 5.1.1 Learn more\"."
        },
        exitCodeOnInvalidInput = 2)
final class ClassifyCommand implements Callable<Integer> {
    private static final JsonMapper JSON = ApiClient.JSON; // the command line's one mapper

    @Parameters(index = "0", paramLabel = "<reply>",
            description = "the reply, e.g. \"550 5.1.1 <x@example.com>: Recipient address rejected: User unknown\"")
    String reply;

    @Option(names = "--phase", defaultValue = "RCPT", paramLabel = "<phase>",
            description = "SMTP phase the reply answered: CONNECT, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, "
                    + "END_OF_DATA, QUIT or NONE (default: ${DEFAULT-VALUE})")
    String phase;

    @Option(names = "--domain", defaultValue = "", paramLabel = "<domain>", description = "the recipient's domain")
    String domain;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SmtpPhase p;
        try {
            p = SmtpPhase.valueOf(phase.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            err.println("rebound classify: unknown --phase \"" + phase + "\"; use one of "
                    + Arrays.toString(SmtpPhase.values()));
            return 2;
        }
        String wire = unescape(reply);
        SmtpReply parsed;
        try {
            parsed = SmtpReplyParser.parse(wire);
        } catch (SmtpReplyException e) {
            err.println("rebound classify: not a valid SMTP reply: " + e.getMessage());
            err.println("A reply is a three-digit code 2xx-5xx, then a space and text, e.g. "
                    + "\"550 5.1.1 User unknown\"; continuation lines use \"550-\".");
            return 2;
        }
        Classification c = ReplyClassifier.standard().classify(parsed, p, domain.trim().toLowerCase(Locale.ROOT));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("outcome", c.outcome().name());
        json.put("reason", c.reason().id());
        json.put("rule", c.ruleId());
        json.put("replycode", parsed.code());
        json.put("enhanced", parsed.enhanced().map(EnhancedStatus::toString).orElse(null));
        json.put("enhanced_conflict", parsed.enhancedConflict());
        json.put("phase", p.name());
        json.put("domain", c.evidence().recipientDomain());
        json.put("matched", c.evidence().matched());
        json.put("text", parsed.text());
        out.println(JSON.writeValueAsString(json));
        out.flush();
        return 0;
    }

    /** Turns the literal two-character sequences \r\n and \n typed on a shell into line breaks. */
    static String unescape(String s) {
        return s.replace("\\r\\n", "\n").replace("\\n", "\n");
    }
}
