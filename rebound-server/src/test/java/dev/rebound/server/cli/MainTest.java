package dev.rebound.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The help the README refers to: `rebound --help` lists serve, `rebound serve --help` the options it names. */
class MainTest {
    private static String run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(out));
        assertThat(cl.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void help_listsServe() {
        assertThat(run("--help")).contains("Usage: rebound", "serve", "Run the service");
    }

    @Test
    void help_listsClassify() {
        assertThat(run("--help")).contains("classify");
        assertThat(run("classify", "--help")).contains("Usage: rebound classify");
        assertThat(run("--help")).contains("bounce");
        assertThat(run("bounce", "parse", "--help")).contains("Usage: rebound bounce parse");
    }

    @Test
    void serveHelp_listsTheOptionsTheReadmeNames() throws Exception {
        String help = run("serve", "--help");
        assertThat(help).contains("Usage: rebound serve", "--config=FILE", "--check", "REBOUND_HTTP_LISTEN");
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(readme).contains("./rebound serve", "--config FILE", "./rebound serve --check", "./rebound --help");
    }

    @Test
    void hashPassword_printsAHashThatVerifies() {
        HashPasswordCommand cmd = new HashPasswordCommand();
        cmd.in = new java.io.ByteArrayInputStream("correct horse\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CommandLine cl = new CommandLine(cmd);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--iterations", "1000")).isZero();
        var hash = dev.rebound.server.config.PasswordHash.parseOrNull(out.toString().strip());
        assertThat(hash).as(out.toString()).isNotNull();
        assertThat(hash.matches("correct horse")).isTrue();
        assertThat(run("--help")).contains("hash-password");
    }
}
