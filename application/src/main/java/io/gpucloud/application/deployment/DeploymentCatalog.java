package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.EngineKind;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.ModelRoute;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Routes public model names ({@link Deployment#modelType()}) to the engines of running deployments.
 *
 * <ul>
 *   <li>Several running deployments of one model share its calls in turn.</li>
 *   <li>A model whose deployments exist but none runs is routed to an engine that fails with why
 *       (503 {@code engine_unavailable}), and is not listed.</li>
 *   <li>While no deployment exists at all, the {@code fallback} catalog serves (the simulated
 *       models); with {@link Fallback#FOR_UNKNOWN_MODELS} it also serves every model no deployment
 *       claims (the single-upstream shortcut).</li>
 * </ul>
 * The deployment list comes from {@link #apply} (the {@link DeploymentMonitor}), which creates an
 * engine per deployment with the {@link EngineFactory} and disposes of it when the deployment goes.
 * Reads ({@link #models}, {@link #route}) are lock-free and never block.
 */
public final class DeploymentCatalog implements ModelCatalog, AutoCloseable {
    /** Context window of a model the fallback does not know: the engine enforces its own. */
    public static final int UNKNOWN_CONTEXT_WINDOW = Integer.MAX_VALUE;

    /** When the fallback catalog serves. */
    public enum Fallback {
        /** Only while no deployment exists (the simulated models of a fresh install). */
        WHILE_NO_DEPLOYMENT,
        /** Also for every model no deployment claims (one upstream behind everything). */
        FOR_UNKNOWN_MODELS
    }

    private record Served(Deployment deployment, InferenceEngine engine, EngineSetup setup) {
    }

    /** What an engine is built from: a change rebuilds it. */
    private record EngineSetup(EngineKind kind, List<URI> endpoints, Optional<String> upstreamApiKeyEnv) {
        static EngineSetup of(Deployment deployment) {
            return new EngineSetup(deployment.engine(), deployment.endpoints(), deployment.upstreamApiKeyEnv());
        }
    }

    /** An immutable view for readers. */
    private record Routing(boolean anyDeployment, Map<String, List<ModelRoute>> running, Map<String, ModelRoute> notRunning,
                           List<ModelInfo> models) {
        static final Routing NONE = new Routing(false, Map.of(), Map.of(), List.of());
    }

    private final EngineFactory engines;
    private final ModelCatalog fallback;
    private final Fallback fallbackPolicy;
    private final String ownedBy;
    private final AtomicInteger turn = new AtomicInteger();
    /** Guarded by this: the engine of every known deployment. */
    private final Map<DeploymentId, Served> served = new LinkedHashMap<>();
    private volatile Routing routing = Routing.NONE;

    /** @param ownedBy the {@code owned_by} of deployed models in {@code /v1/models} */
    public DeploymentCatalog(EngineFactory engines, ModelCatalog fallback, Fallback fallbackPolicy, String ownedBy) {
        this.engines = engines;
        this.fallback = fallback;
        this.fallbackPolicy = fallbackPolicy;
        this.ownedBy = ownedBy;
    }

    @Override
    public List<ModelInfo> models() {
        Routing current = routing;
        if (!current.anyDeployment()) {
            return fallback.models();
        }
        if (fallbackPolicy == Fallback.WHILE_NO_DEPLOYMENT) {
            return current.models();
        }
        List<ModelInfo> all = new ArrayList<>(current.models());
        for (ModelInfo model : fallback.models()) {
            if (!current.running().containsKey(model.id()) && !current.notRunning().containsKey(model.id())) {
                all.add(model);
            }
        }
        return all;
    }

    @Override
    public Optional<ModelRoute> route(String publicModel) {
        Routing current = routing;
        if (!current.anyDeployment()) {
            return fallback.route(publicModel);
        }
        List<ModelRoute> running = current.running().get(publicModel);
        if (running != null) {
            return Optional.of(running.size() == 1 ? running.getFirst()
                    : running.get(Math.floorMod(turn.getAndIncrement(), running.size())));
        }
        ModelRoute notRunning = current.notRunning().get(publicModel);
        if (notRunning != null) {
            return Optional.of(notRunning);
        }
        return fallbackPolicy == Fallback.FOR_UNKNOWN_MODELS ? fallback.route(publicModel) : Optional.empty();
    }

    /**
     * Makes {@code deployments} (all of them, any status) what this catalog routes: engines are
     * created for new deployments, and disposed of for deployments that are gone or whose engine
     * setup changed. Called by one thread at a time (the monitor); may be slow, never blocks readers.
     */
    public synchronized void apply(List<Deployment> deployments) {
        Map<DeploymentId, Served> next = new LinkedHashMap<>();
        for (Deployment deployment : deployments) {
            Served known = served.remove(deployment.id());
            EngineSetup setup = EngineSetup.of(deployment);
            if (known != null && known.setup().equals(setup)) {
                next.put(deployment.id(), new Served(deployment, known.engine(), setup));
            } else {
                if (known != null) {
                    dispose(known.engine());
                }
                next.put(deployment.id(), new Served(deployment, build(deployment), setup));
            }
        }
        for (Served gone : served.values()) {
            dispose(gone.engine());
        }
        served.clear();
        served.putAll(next);
        routing = routingOf(next.values());
    }

    /** The engine serving a deployment this catalog knows. */
    public synchronized Optional<InferenceEngine> engine(DeploymentId id) {
        return Optional.ofNullable(served.get(id)).map(Served::engine);
    }

    /** Disposes of every engine; the catalog routes to the fallback afterwards. */
    @Override
    public synchronized void close() {
        for (Served each : served.values()) {
            dispose(each.engine());
        }
        served.clear();
        routing = Routing.NONE;
    }

    private InferenceEngine build(Deployment deployment) {
        try {
            return engines.create(deployment);
        } catch (RuntimeException cannotServe) {
            String why = cannotServe.getMessage() == null ? cannotServe.getClass().getSimpleName() : cannotServe.getMessage();
            return new UnavailableEngine("the engine could not be set up: " + why);
        }
    }

    private void dispose(InferenceEngine engine) {
        try {
            engines.dispose(engine);
        } catch (RuntimeException ignored) {
            // A failing close must not stop routing from moving on; the engine is dropped either way.
        }
    }

    private Routing routingOf(Iterable<Served> all) {
        Map<String, List<ModelRoute>> running = new LinkedHashMap<>();
        Map<String, List<Deployment>> idle = new LinkedHashMap<>();
        Map<String, Long> created = new HashMap<>();
        boolean any = false;
        for (Served each : all) {
            any = true;
            Deployment deployment = each.deployment();
            String model = deployment.modelType();
            if (deployment.status() == DeploymentStatus.RUNNING) {
                created.merge(model, deployment.createdAt().getEpochSecond(), Math::min);
                running.computeIfAbsent(model, name -> new ArrayList<>())
                        .add(new ModelRoute(info(model, 0), deployment.engineModel(), each.engine()));
            } else {
                idle.computeIfAbsent(model, name -> new ArrayList<>()).add(deployment);
            }
        }
        Map<String, List<ModelRoute>> routes = new LinkedHashMap<>();
        List<ModelInfo> models = new ArrayList<>();
        for (Map.Entry<String, List<ModelRoute>> entry : running.entrySet()) {
            ModelInfo model = info(entry.getKey(), created.get(entry.getKey()));
            models.add(model);
            routes.put(entry.getKey(), entry.getValue().stream()
                    .map(route -> new ModelRoute(model, route.engineModel(), route.engine())).toList());
        }
        Map<String, ModelRoute> notRunning = new LinkedHashMap<>();
        for (Map.Entry<String, List<Deployment>> entry : idle.entrySet()) {
            if (!routes.containsKey(entry.getKey())) {
                Deployment first = entry.getValue().getFirst();
                notRunning.put(entry.getKey(), new ModelRoute(info(entry.getKey(), first.createdAt().getEpochSecond()),
                        first.engineModel(), new UnavailableEngine(whyNotRunning(entry.getKey(), entry.getValue()))));
            }
        }
        return new Routing(any, Map.copyOf(routes), Map.copyOf(notRunning), List.copyOf(models));
    }

    /** Told to API clients: statuses only, never a reason (it names internal endpoints). */
    private static String whyNotRunning(String model, List<Deployment> deployments) {
        Set<String> states = new LinkedHashSet<>();
        for (Deployment deployment : deployments) {
            states.add(deployment.status().wireName());
        }
        return "no deployment of " + model + " is running (" + String.join(", ", states) + ")";
    }

    private ModelInfo info(String model, long created) {
        int window = fallback.route(model).map(route -> route.model().contextWindow()).orElse(UNKNOWN_CONTEXT_WINDOW);
        return new ModelInfo(model, created, ownedBy, window);
    }
}
