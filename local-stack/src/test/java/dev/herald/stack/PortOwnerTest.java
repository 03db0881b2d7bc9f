package dev.herald.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PortOwnerTest {

    @Test
    void namesTheProgramAndPidSsReports() {
        String ss = "LISTEN 0      511          0.0.0.0:8090      0.0.0.0:*    users:((\"nginx\",pid=14321,fd=6),"
                + "(\"nginx\",pid=14320,fd=6))\n";

        assertThat(PortOwner.describe(ss)).isEqualTo(" (\"nginx\", pid 14321)");
    }

    @Test
    void saysNothingWhenSsDoesNotNameTheOwner() {
        assertThat(PortOwner.describe("LISTEN 0 511 0.0.0.0:8090 0.0.0.0:*\n")).isEmpty();
        assertThat(PortOwner.describe("")).isEmpty();
    }
}
