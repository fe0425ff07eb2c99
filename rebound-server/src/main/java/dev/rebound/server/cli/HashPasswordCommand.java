package dev.rebound.server.cli;

import dev.rebound.server.config.PasswordHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rebound hash-password}: prints the PBKDF2 hash of a password for {@code smtp.auth.users}. */
@Command(name = "hash-password", mixinStandardHelpOptions = true,
        description = {
                "Print the hash of a password for smtp.auth.users (PBKDF2-HMAC-SHA256, random salt).",
                "The password is read from the terminal without echo, or as the first line of standard input, e.g.",
                "  printf '%s\\n' \"$PW\" | ./rebound hash-password",
                "Then in rebound.yaml:  smtp: { auth: { users: { alice: \"<the printed hash>\" } } }"
        })
final class HashPasswordCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "" + PasswordHash.DEFAULT_ITERATIONS,
            description = "PBKDF2 iterations (default: ${DEFAULT-VALUE}; at least " + PasswordHash.MIN_ITERATIONS + ").")
    int iterations;

    /** Standard input (tests replace it). */
    InputStream in = System.in;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (iterations < PasswordHash.MIN_ITERATIONS) {
            err.println("rebound: --iterations " + iterations + " is too low; use at least " + PasswordHash.MIN_ITERATIONS);
            return 2;
        }
        char[] password;
        Console console = in == System.in ? System.console() : null;
        if (console != null) {
            password = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (password == null || again == null || !Arrays.equals(password, again)) {
                err.println("rebound: the two passwords differ; nothing printed");
                return 1;
            }
        } else {
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? null : line.toCharArray();
        }
        if (password == null || password.length == 0) {
            err.println("rebound: no password given; type it, or pipe it as the first line of standard input");
            return 1;
        }
        spec.commandLine().getOut().println(PasswordHash.create(password, iterations, new SecureRandom()).text());
        spec.commandLine().getOut().flush();
        Arrays.fill(password, '\0');
        return 0;
    }
}
