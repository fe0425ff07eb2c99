package dev.rebound.server.decide;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VerpTest {
    @Test
    void address_roundTripsThroughParse() {
        Verp v = new Verp("01a242a50fe18d61", "Bounces.Rebound.Test");
        assertThat(v.address()).isEqualTo("bounces+01a242a50fe18d61@bounces.rebound.test");
        assertThat(Verp.parse(v.address())).contains(v);
    }

    @Test
    void parse_plainBounceAddress_hasNoRecipientId() {
        assertThat(Verp.parse(" Bounces@Example.org ")).hasValueSatisfying(v -> {
            assertThat(v.recipientId()).isEmpty();
            assertThat(v.domain()).isEqualTo("example.org");
        });
    }

    @Test
    void parse_refusesOtherLocalPartsAndBadIds() {
        assertThat(Verp.parse("postmaster@example.org")).isEmpty();
        assertThat(Verp.parse("bounces+a-b@example.org")).isEmpty();
        assertThat(Verp.parse("bounces+" + "a".repeat(65) + "@example.org")).isEmpty();
        assertThat(Verp.parse(null)).isEmpty();
    }
}
