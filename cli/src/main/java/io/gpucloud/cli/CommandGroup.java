package io.gpucloud.cli;

import io.gpucloud.bootstrap.Config;
import io.gpucloud.bootstrap.Platform;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Function;

/** A command with subcommands ({@code keys}, {@code deployments}, {@code workers}): alone, it prints its usage. */
abstract class CommandGroup implements Runnable {
    @ParentCommand
    GpuCloudCli root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    Config config() {
        return root.config();
    }

    /** The shape of every {@code list}: read through a one-shot platform, print the table or JSON it renders. */
    static int printListing(CommandSpec spec, Config config, Function<Platform, String> render) {
        try (Platform platform = Platform.forAdministration(config)) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(render.apply(platform));
            out.flush();
        }
        return GpuCloudCli.OK;
    }

    /**
     * The shape of {@code keys revoke ID} and {@code deployments delete ID}: a malformed id is bad usage (exit 2), an
     * unknown one a failure (exit 1), else one line saying what was done.
     *
     * @param noun   what the id names ("key")
     * @param done   the past tense of the action ("Revoked")
     * @param remove acts on the id; false when there is no such thing
     */
    static <I> int removeById(CommandSpec spec, Config config, String id, String noun, String done,
                              Function<String, Optional<I>> parse, BiPredicate<Platform, I> remove) {
        Optional<I> parsed = parse.apply(id);
        if (parsed.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not a " + noun + " id: " + id);
        }
        try (Platform platform = Platform.forAdministration(config)) {
            if (!remove.test(platform, parsed.get())) {
                spec.commandLine().getErr().println("gpucloud: no " + noun + " with id " + id);
                return GpuCloudCli.FAILURE;
            }
            spec.commandLine().getOut().println(done + " " + noun + " " + id);
        }
        return GpuCloudCli.OK;
    }
}
