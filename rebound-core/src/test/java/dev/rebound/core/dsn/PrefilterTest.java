package dev.rebound.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class PrefilterTest {

    @Test
    void needlesAreTheRequiredLiteralsOfEachAlternative() {
        assertThat(Prefilter.needles("mail ?box (?:is )?full|over ?quota", 0)).containsExactly("mail", "quota");
        assertThat(Prefilter.needles("\\b(?:spf|dkim|dmarc)\\b|sender policy", 0))
                .containsExactly("spf", "dkim", "dmarc", "sender policy");
        assertThat(Prefilter.needles("exceeded? (?:his )?quota", 0)).containsExactly("exceede");
        assertThat(Prefilter.needles("a|b", 0)).isNull();
        assertThat(Prefilter.needles("(?:ab)?c", 0)).isNull();
    }

    @Test
    void aTextWithoutAnyNeedleIsSkippedAndOneWithANeedleIsNot() {
        Prefilter p = Prefilter.of(Pattern.compile("user unknown|no such (?:user|mailbox)"));
        assertThat(p.mayMatch("550 mailbox full")).isFalse();
        assertThat(p.mayMatch("550 no such mailbox here")).isTrue();
    }

    private static final List<String> PATTERNS = List.of(
            "mail ?box (?:is )?(?:full|over|exceed)|over ?quota|(?:user|account|inbox)(?: is|'s)? (?:mailbox )?full",
            "retry time(?:out)? (?:not reached|exceeded)|(?:could not|unable to) (?:be )?deliver[^.\\n]{0,10}for \\d+ days?",
            "\\b(?:spf|dkim|dmarc)\\b|unauthenticated (?:e-?mail|message)\\b",
            "host (?:or domain )?(?:name )?(?:not found|unknown)|no (?:mx|a) records?");

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> words = Arbitraries.of("mail", "box", "mailbox", " ", "is", "full", "over", "quota", "user",
                "'s", "account", "inbox", "retry", "time", "out", "not reached", "exceeded", "could not", "be",
                "deliver", "ed", "for", "3", "days", "spf", "dkim", "dmarc", "unauthenticated", "email", "e-mail",
                "message", "host", "or domain", "name", "not found", "unknown", "no", "mx", "a", "records", ".", "\n");
        return words.list().ofMaxSize(14).map(l -> String.join("", l));
    }

    /**
     * The prefilter may let through texts that do not match, never stop one that does; the guarded alternatives
     * find a match exactly when the whole pattern does.
     */
    @Property(tries = 3000)
    void neverRejectsATextThePatternMatches(@ForAll("texts") String text) {
        for (String re : PATTERNS) {
            Pattern p = Pattern.compile(re);
            boolean matches = p.matcher(text).find();
            if (matches) {
                assertThat(Prefilter.of(p).mayMatch(text)).as("%s on %s", re, text).isTrue();
            }
            assertThat(new Prefilter.Split(p).find(text) != null).as("split %s on %s", re, text).isEqualTo(matches);
        }
    }
}
