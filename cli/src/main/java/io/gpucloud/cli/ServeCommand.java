package io.gpucloud.cli;

import io.gpucloud.bootstrap.ApiServer;
import io.gpucloud.bootstrap.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import sun.misc.Signal;

import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the HTTP API (OpenAI-compatible /v1 and the admin /api) until SIGTERM or Ctrl-C.",
                "Configured by environment variables: PORT, DATABASE_URL, REDIS_URL, ADMIN_TOKEN, … (see the README)."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    GpuCloudCli root;

    @Override
    public Integer call() throws Exception {
        return serve(root.config());
    }

    /** Serves until stopped; also the parser-free start of {@link GpuCloudCli#run}. */
    static int serve(Config config) throws InterruptedException {
        // Log lines (one per request in the access log) are written in batches, not one write(2) each on the IO thread.
        BufferedStdout stdout = BufferedStdout.install();
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("stdout-flush").unstarted(stdout::flushNow));
        ApiServer server = ApiServer.start(config);
        // SIGTERM and Ctrl-C start a graceful stop and the process then exits 0 (a plain shutdown hook would exit 143).
        Runnable stopInBackground = () -> Thread.ofPlatform().name("graceful-shutdown").start(server::stop);
        for (String signal : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(signal), received -> stopInBackground.run());
            } catch (IllegalArgumentException unsupported) {
                // Not on this platform: the shutdown hook below still stops gracefully.
            }
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown-hook").unstarted(server::stop));
        server.awaitStopped();
        stdout.flushNow();
        return GpuCloudCli.OK;
    }
}
