package io.gpucloud.cli;

import io.gpucloud.bootstrap.Platform;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Create or update the database schema (idempotent), then exit.")
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    GpuCloudCli root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (Platform platform = Platform.forAdministration(root.config())) {
            int applied = platform.migrate();
            spec.commandLine().getOut().printf("Database %s is up to date (%d migration%s applied).%n",
                    platform.databaseDescription(), applied, applied == 1 ? "" : "s");
        }
        return GpuCloudCli.OK;
    }
}
