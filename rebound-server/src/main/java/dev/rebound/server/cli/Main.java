package dev.rebound.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code rebound} launcher: a picocli command with one subcommand per task. */
@Command(name = "rebound",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Bounce-aware transactional email delivery.",
        subcommands = {
                ServeCommand.class,
                HashPasswordCommand.class,
                KeysCommand.class,
                QueueCommand.class,
                NodesCommand.class,
                StatusCommand.class,
                StatsCommand.class,
                DomainsCommand.class,
                AlertsCommand.class,
                PauseCommand.Pause.class,
                PauseCommand.Resume.class,
                TimelineCommand.class,
                ReplayCommand.class,
                SuppressionsCommand.class,
                WebhooksCommand.class,
                ClassifyCommand.class,
                BounceCommand.class,
                SinkCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests call this to check help output). */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"rebound " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
