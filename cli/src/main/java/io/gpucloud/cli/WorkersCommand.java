package io.gpucloud.cli;

import io.gpucloud.bootstrap.WorkerProcess;
import io.gpucloud.domain.worker.WorkerInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "workers", mixinStandardHelpOptions = true, description = "Show the GPU workers registered in Redis.",
        subcommands = {WorkersCommand.ListWorkers.class})
final class WorkersCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List workers: id, host, models, concurrency, jobs in flight, last heartbeat, status (online, draining, lost).")
    static final class ListWorkers implements Callable<Integer> {
        @ParentCommand
        WorkersCommand workers;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "One JSON object {\"workers\":[…]}, as GET /api/workers answers, instead of a table.")
        boolean json;

        @Override
        public Integer call() {
            List<WorkerInfo> all = WorkerProcess.list(workers.config());
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? json(all) : table(all, Instant.now()));
            out.flush();
            return GpuCloudCli.OK;
        }
    }

    static String table(List<WorkerInfo> workers, Instant now) {
        if (workers.isEmpty()) {
            return "No workers. Start one with: gpucloud worker --models MODEL\n";
        }
        StringBuilder out = new StringBuilder(String.format("%-32s  %-20s  %-9s  %11s  %9s  %-9s  %s%n",
                "ID", "HOST", "STATUS", "CONCURRENCY", "IN FLIGHT", "SEEN", "MODELS"));
        for (WorkerInfo worker : workers) {
            out.append(String.format("%-32s  %-20s  %-9s  %11d  %9d  %-9s  %s%n", worker.id(), truncate(worker.host(), 20),
                    worker.state().wireName(), worker.concurrency(), worker.inFlight(), ago(worker.lastSeen(), now),
                    String.join(",", worker.models())));
        }
        return out.toString();
    }

    static String json(List<WorkerInfo> workers) {
        return workers.stream().map(worker -> "{" + String.join(",",
                        "\"id\":" + KeyListing.quote(worker.id().value()),
                        "\"host\":" + KeyListing.quote(worker.host()),
                        "\"models\":[" + worker.models().stream().map(KeyListing::quote).collect(Collectors.joining(",")) + "]",
                        "\"concurrency\":" + worker.concurrency(),
                        "\"inFlight\":" + worker.inFlight(),
                        "\"lastSeenAt\":" + KeyListing.quote(worker.lastSeen().toString()),
                        "\"status\":" + KeyListing.quote(worker.state().wireName())) + "}")
                .collect(Collectors.joining(",", "{\"workers\":[", "]}\n"));
    }

    private static String ago(Instant then, Instant now) {
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        return seconds < 120 ? seconds + "s ago" : seconds / 60 + "m ago";
    }

    private static String truncate(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "…";
    }
}
