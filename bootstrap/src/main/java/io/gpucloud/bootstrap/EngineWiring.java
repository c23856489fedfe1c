package io.gpucloud.bootstrap;

import io.gpucloud.adapters.http.upstream.OpenAiUpstreamEngine;
import io.gpucloud.adapters.http.upstream.UpstreamClient;
import io.gpucloud.adapters.http.upstream.UpstreamSettings;
import io.gpucloud.application.deployment.DeploymentCatalog;
import io.gpucloud.application.deployment.DeploymentMonitor;
import io.gpucloud.application.deployment.EngineFactory;
import io.gpucloud.application.inference.PassThroughModelCatalog;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentStore;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which engine serves which model: the {@link EngineFactory} behind deployments (simulated → the
 * shared simulated engine; openai → an {@link OpenAiUpstreamEngine} over the deployment's endpoints,
 * its key read from the environment variable the deployment names, never stored; queue → the queue
 * engine to GPU workers), the catalog for {@code INFERENCE_ENGINE}, and the {@link DeploymentMonitor} on a
 * daemon thread: a pass every {@value #MONITOR_PERIOD_SECONDS} s and right after each deployment
 * change.
 *
 * <ul>
 *   <li>{@code simulated}: deployments' models; the simulated list while there is no deployment.</li>
 *   <li>{@code queue}: the same, with the default model names served through the queue engine.</li>
 *   <li>{@code openai}: one upstream ({@code UPSTREAM_URL}, comma-separated for several endpoints,
 *       {@code UPSTREAM_API_KEY}) serves every model no deployment claims; {@code /v1/models} lists
 *       the upstream's own models, refreshed every {@value #UPSTREAM_MODELS_REFRESH_SECONDS} s.</li>
 * </ul>
 */
final class EngineWiring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineWiring.class);
    static final long MONITOR_PERIOD_SECONDS = 2;
    static final long UPSTREAM_MODELS_REFRESH_SECONDS = 60;
    /** Probes failing this long mark a deployment failed. */
    static final Duration FAIL_AFTER = Duration.ofSeconds(10);
    private static final String OWNED_BY = "gpucloud";

    private final Function<String, String> environment;
    private final Tokenizer tokenizer;
    private final SimulatedEngine simulated;
    private final Supplier<? extends InferenceEngine> queueEngine;
    private final Clock clock;
    private final UpstreamSettings upstreamSettings;
    private final boolean upstreamIoThreadCalls;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("deployment-monitor").daemon(true).factory());
    private final DeploymentCatalog catalog;
    private final DeploymentMonitor monitor;
    private final Optional<PassThroughModelCatalog> upstreamModels;
    private final Optional<OpenAiUpstreamEngine> sharedUpstream;
    private UpstreamClient upstreams;

    /**
     * @param environment the process environment, read for the upstream keys deployments name
     *                    (a deployment stores the variable's name, never the key)
     * @param queueEngine the engine to GPU workers, asked for only when a queue model is served
     */
    EngineWiring(Config config, Function<String, String> environment, Tokenizer tokenizer, SimulatedEngine simulated,
                 Supplier<? extends InferenceEngine> queueEngine, DeploymentStore deployments, Clock clock) {
        this.environment = environment;
        this.tokenizer = tokenizer;
        this.simulated = simulated;
        this.queueEngine = queueEngine;
        this.clock = clock;
        UpstreamSettings defaults = UpstreamSettings.defaults();
        this.upstreamSettings = defaults.withTimeouts(defaults.connectTimeout(), config.upstreamReadTimeout(),
                config.upstreamRequestTimeout());
        this.upstreamIoThreadCalls = config.upstreamIoThreadCalls();
        EngineFactory engines = this::engineFor;
        switch (config.inferenceEngine()) {
            case SIMULATED -> {
                sharedUpstream = Optional.empty();
                upstreamModels = Optional.empty();
                catalog = new DeploymentCatalog(engines, new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, OWNED_BY,
                        simulated), DeploymentCatalog.Fallback.WHILE_NO_DEPLOYMENT, OWNED_BY);
            }
            case OPENAI -> {
                OpenAiUpstreamEngine upstream = new OpenAiUpstreamEngine(upstreams(), upstreamUrls(config.upstreamUrl().orElseThrow()),
                        config.upstreamApiKey(), tokenizer, clock);
                PassThroughModelCatalog everyModel = new PassThroughModelCatalog(upstream, upstream::modelIds, OWNED_BY, clock);
                sharedUpstream = Optional.of(upstream);
                upstreamModels = Optional.of(everyModel);
                catalog = new DeploymentCatalog(engines, everyModel, DeploymentCatalog.Fallback.FOR_UNKNOWN_MODELS, OWNED_BY);
            }
            case QUEUE -> {
                sharedUpstream = Optional.empty();
                upstreamModels = Optional.empty();
                catalog = new DeploymentCatalog(engines, new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, OWNED_BY,
                        queueEngine.get()), DeploymentCatalog.Fallback.WHILE_NO_DEPLOYMENT, OWNED_BY);
            }
            default -> throw new IllegalStateException("unknown engine " + config.inferenceEngine());
        }
        monitor = new DeploymentMonitor(deployments, catalog, clock, FAIL_AFTER, upstreamSettings.probeTimeout().plusSeconds(1),
                new MonitorLog());
    }

    /** Routes the HTTP API's models: deployments, then the fallback of {@code INFERENCE_ENGINE}. */
    DeploymentCatalog catalog() {
        return catalog;
    }

    /** Starts the monitor's passes (and the upstream's model list refresh). */
    void start() {
        scheduler.scheduleWithFixedDelay(this::monitorPass, 0, MONITOR_PERIOD_SECONDS, TimeUnit.SECONDS);
        upstreamModels.ifPresent(models -> scheduler.scheduleWithFixedDelay(models::refresh, 0,
                UPSTREAM_MODELS_REFRESH_SECONDS, TimeUnit.SECONDS));
    }

    /** A deployment was created or deleted here: a monitor pass now, so routing follows at once. */
    void deploymentsChanged() {
        try {
            scheduler.execute(this::monitorPass);
        } catch (RejectedExecutionException stopped) {
            LOG.debug("deployment changed during shutdown; no monitor pass");
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        catalog.close();
        sharedUpstream.ifPresent(OpenAiUpstreamEngine::close);
        synchronized (this) {
            if (upstreams != null) {
                upstreams.close();
            }
        }
    }

    private void monitorPass() {
        try {
            monitor.run();
        } catch (RuntimeException unexpected) {
            // A thrown exception would cancel the schedule: log and keep monitoring.
            LOG.error("the deployment monitor's pass failed", unexpected);
        }
    }

    private InferenceEngine engineFor(Deployment deployment) {
        return switch (deployment.engine()) {
            case SIMULATED -> simulated;
            case OPENAI -> new OpenAiUpstreamEngine(upstreams(), deployment.endpoints(), upstreamKey(deployment), tokenizer, clock);
            case QUEUE -> queueEngine.get();
        };
    }

    private Optional<String> upstreamKey(Deployment deployment) {
        if (deployment.upstreamApiKeyEnv().isEmpty()) {
            return Optional.empty();
        }
        String name = deployment.upstreamApiKeyEnv().get();
        String key = environment.apply(name);
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("the environment variable " + name + " (the upstream key) is not set");
        }
        return Optional.of(key.strip());
    }

    /** The one outbound client, started with the first openai engine. */
    private synchronized UpstreamClient upstreams() {
        if (upstreams == null) {
            upstreams = UpstreamClient.start(upstreamSettings, upstreamIoThreadCalls);
        }
        return upstreams;
    }

    static List<URI> upstreamUrls(String text) {
        List<URI> urls = new ArrayList<>();
        for (String part : text.split(",")) {
            String candidate = part.strip();
            if (candidate.isEmpty()) {
                continue;
            }
            try {
                URI url = new URI(candidate);
                String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                    throw new ConfigException("UPSTREAM_URL", "must be http(s) URLs with a host, e.g. http://gpu-node:8000/v1");
                }
                urls.add(url);
            } catch (URISyntaxException notAUrl) {
                throw new ConfigException("UPSTREAM_URL", "is not a URL: " + candidate);
            }
        }
        if (urls.isEmpty()) {
            throw new ConfigException("UPSTREAM_URL", "required when INFERENCE_ENGINE=openai (e.g. http://gpu-node:8000/v1)");
        }
        return urls;
    }

    /** Logs status changes, and the store going down and coming back (once each, not every pass). Monitor thread only. */
    private static final class MonitorLog implements DeploymentMonitor.Listener {
        private boolean storeDown;
        private boolean everRead;

        @Override
        public void statusChanged(Deployment deployment) {
            LOG.info("deployment {} ({}, model {}) is now {}{}", deployment.name(), deployment.id(), deployment.modelType(),
                    deployment.status().wireName(), deployment.reason().map(reason -> ": " + reason).orElse(""));
        }

        @Override
        public void storeFailed(RuntimeException failure) {
            if (!everRead) {
                LOG.debug("deployments cannot be read yet: {}", failure.getMessage());
            } else if (!storeDown) {
                storeDown = true;
                LOG.warn("deployments cannot be read or updated ({}); serving the last known ones", failure.getMessage());
            }
        }

        @Override
        public void passCompleted(int deployments) {
            everRead = true;
            if (storeDown) {
                storeDown = false;
                LOG.info("deployments can be read again ({} known)", deployments);
            }
        }
    }
}
