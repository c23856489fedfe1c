package io.gpucloud.cli;

import io.gpucloud.bootstrap.WorkerProcess;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Run a GPU worker: pull jobs for the given models from the API's Redis, run them on the local engine,",
                "send the answers back. Needs REDIS_URL (and REDIS_KEY_PREFIX if the API sets one); no inbound port.",
                "SIGTERM or Ctrl-C: take no new jobs, finish those in flight (up to --drain-seconds), deregister, exit 0."})
final class WorkerCommand implements Callable<Integer> {
    @ParentCommand
    GpuCloudCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--models", required = true, split = ",", paramLabel = "MODEL",
            description = "Models to serve, comma-separated: the names the API's queue deployments use.")
    List<String> models;

    @Option(names = "--concurrency", defaultValue = "4", description = "Jobs run at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--engine", defaultValue = "simulated",
            description = "Local engine: simulated, or openai (an OpenAI-compatible server such as vLLM at --upstream). Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(names = "--upstream", paramLabel = "URL", description = "The local server for --engine openai, e.g. http://localhost:8000/v1.")
    String upstream;

    @Option(names = "--upstream-api-key-env", paramLabel = "VAR",
            description = "Name of the environment variable holding the upstream's API key, if it wants one.")
    String upstreamApiKeyEnv;

    @Option(names = "--id", description = "This worker's id (default: <host>-<random>).")
    String id;

    @Option(names = "--lease-ms", paramLabel = "MS",
            description = "How long the worker may stay silent before its jobs go to others (default: QUEUE_LEASE_MS, 15000).")
    Long leaseMillis;

    @Option(names = "--drain-seconds", defaultValue = "60",
            description = "On SIGTERM, how long jobs in flight may take to finish (default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Override
    public Integer call() throws Exception {
        WorkerProcess.Options options = options();
        WorkerProcess worker = WorkerProcess.start(root.config(), options);
        Runnable stopInBackground = () -> Thread.ofPlatform().name("graceful-stop").start(worker::stop);
        for (String signal : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(signal), received -> stopInBackground.run());
            } catch (IllegalArgumentException unsupported) {
                // Not on this platform: the shutdown hook below still stops gracefully.
            }
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown-hook").unstarted(worker::stop));
        worker.awaitStopped();
        return GpuCloudCli.OK;
    }

    private WorkerProcess.Options options() {
        WorkerProcess.EngineChoice choice = switch (engine.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "simulated" -> WorkerProcess.EngineChoice.SIMULATED;
            case "openai" -> WorkerProcess.EngineChoice.OPENAI;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--engine must be simulated or openai, not " + engine);
        };
        Optional<URI> upstreamUrl = Optional.ofNullable(upstream).map(this::url);
        Optional<String> apiKey = Optional.empty();
        if (upstreamApiKeyEnv != null) {
            String value = System.getenv(upstreamApiKeyEnv);
            if (value == null || value.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--upstream-api-key-env: " + upstreamApiKeyEnv + " is not set");
            }
            apiKey = Optional.of(value.strip());
        }
        LinkedHashSet<String> served = new LinkedHashSet<>();
        models.stream().map(String::strip).filter(model -> !model.isEmpty()).forEach(served::add);
        Duration lease = leaseMillis == null ? root.config().queue().lease() : Duration.ofMillis(leaseMillis);
        if (lease.toMillis() < 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--lease-ms must be at least 100");
        }
        if (drainSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--drain-seconds must not be negative");
        }
        try {
            return new WorkerProcess.Options(served, concurrency, choice, upstreamUrl, apiKey, Optional.ofNullable(id), lease,
                    Duration.ofSeconds(drainSeconds));
        } catch (IllegalArgumentException invalid) {
            throw new CommandLine.ParameterException(spec.commandLine(), invalid.getMessage());
        }
    }

    private URI url(String text) {
        try {
            URI url = new URI(text.strip());
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https")) || url.getHost() == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--upstream must be an http(s) URL, e.g. http://localhost:8000/v1");
            }
            return url;
        } catch (URISyntaxException notAUrl) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--upstream is not a URL: " + text);
        }
    }
}
