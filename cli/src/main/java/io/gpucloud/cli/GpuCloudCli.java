package io.gpucloud.cli;

import io.gpucloud.bootstrap.Config;
import io.gpucloud.bootstrap.ConfigException;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code gpucloud}: the one executable. Exit codes: 0 ok, 1 runtime failure, 2 bad usage. Errors
 * are one line unless {@code --verbose}.
 */
@Command(name = "gpucloud", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "GPU Cloud API: an OpenAI-compatible inference platform.",
        subcommands = {ServeCommand.class, MigrateCommand.class, KeysCommand.class, DeploymentsCommand.class, HealthcheckCommand.class,
                WorkerCommand.class, WorkersCommand.class, CommandLine.HelpCommand.class})
public final class GpuCloudCli implements Runnable {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @Option(names = "--verbose", description = "Show stack traces on errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    private final Supplier<Config> config;

    GpuCloudCli(Supplier<Config> config) {
        this.config = config;
    }

    Config config() {
        return config.get();
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(run(args, System.getenv(), new PrintWriter(System.err, true)));
    }

    /**
     * Runs one command and returns its exit code. A bare {@code serve}, the production start, skips the
     * command-line parser: picocli's classes are compiled for Java 5, which an AOT cache cannot hold, and building
     * its model by reflection took about 0.6 s of a 2 s start-up (measured: bench/run.sh, start-up with an AOT cache).
     */
    static int run(String[] args, Map<String, String> env, PrintWriter err) {
        if (args.length == 1 && args[0].equals("serve")) {
            try {
                return ServeCommand.serve(Config.from(env));
            } catch (Exception failure) {
                return reportFailure(failure, false, err);
            }
        }
        return newCommandLine(env).execute(args);
    }

    /** The command line over an environment: tests pass their own. */
    public static CommandLine newCommandLine(Map<String, String> env) {
        GpuCloudCli root = new GpuCloudCli(() -> Config.from(env));
        CommandLine commandLine = new CommandLine(root, new WiringFactory(root));
        commandLine.setExecutionExceptionHandler((failure, line, parseResult) -> reportFailure(failure, root.verbose, line.getErr()));
        commandLine.setExitCodeExceptionMapper(failure -> failure instanceof CommandLine.ParameterException ? USAGE : FAILURE);
        return commandLine;
    }

    private static int reportFailure(Exception failure, boolean verbose, PrintWriter err) {
        if (verbose) {
            failure.printStackTrace(err);
        } else if (failure instanceof ConfigException) {
            err.println("gpucloud: configuration error: " + failure.getMessage());
        } else {
            err.println("gpucloud: " + oneLine(failure));
        }
        err.flush();
        return failure instanceof IllegalArgumentException || failure instanceof ConfigException ? USAGE : FAILURE;
    }

    private static String oneLine(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return message.lines().findFirst().orElse(message);
    }

    /** Gives subcommands the root, so they share its configuration. */
    private record WiringFactory(GpuCloudCli root) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == GpuCloudCli.class) {
                return type.cast(root);
            }
            return CommandLine.defaultFactory().create(type);
        }
    }
}
