package io.gpucloud.domain.deployment;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model the platform serves and the GPU endpoints that run it. The upstream key is referred to by
 * the name of an environment variable, never held in clear.
 */
public final class Deployment {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,127}");

    private final DeploymentId id;
    private final String name;
    private final String modelType;
    private final EngineKind engine;
    private final List<URI> endpoints;
    private final Optional<String> upstreamModel;
    private final Optional<String> upstreamApiKeyEnv;
    private final DeploymentStatus status;
    private final Optional<String> reason;
    private final Instant createdAt;
    private final Instant updatedAt;

    private Deployment(DeploymentId id, String name, String modelType, EngineKind engine, List<URI> endpoints,
                       Optional<String> upstreamModel, Optional<String> upstreamApiKeyEnv, DeploymentStatus status,
                       Optional<String> reason, Instant createdAt, Instant updatedAt) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = text("name", name);
        this.modelType = text("modelType", modelType);
        this.engine = Objects.requireNonNull(engine, "engine");
        this.endpoints = List.copyOf(endpoints);
        for (URI endpoint : this.endpoints) {
            if (endpoint.getScheme() == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))
                    || endpoint.getHost() == null) {
                throw new IllegalArgumentException("endpoints must be http(s) URLs with a host");
            }
        }
        if (engine == EngineKind.OPENAI && this.endpoints.isEmpty()) {
            throw new IllegalArgumentException("an openai deployment needs at least one endpoint");
        }
        this.upstreamModel = upstreamModel.map(model -> text("upstreamModel", model));
        this.upstreamApiKeyEnv = upstreamApiKeyEnv;
        upstreamApiKeyEnv.ifPresent(env -> {
            if (!ENV_NAME.matcher(env).matches()) {
                throw new IllegalArgumentException("upstreamApiKeyEnv must be an environment variable name like VLLM_API_KEY");
            }
        });
        this.status = Objects.requireNonNull(status, "status");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.updatedAt = Objects.requireNonNull(updatedAt, "updatedAt");
    }

    public static Deployment create(DeploymentId id, String name, String modelType, EngineKind engine, List<URI> endpoints,
                                    Optional<String> upstreamModel, Optional<String> upstreamApiKeyEnv, Instant now) {
        return new Deployment(id, name, modelType, engine, endpoints, upstreamModel, upstreamApiKeyEnv,
                DeploymentStatus.PROVISIONING, Optional.empty(), now, now);
    }

    public static Deployment restore(DeploymentId id, String name, String modelType, EngineKind engine, List<URI> endpoints,
                                     Optional<String> upstreamModel, Optional<String> upstreamApiKeyEnv,
                                     DeploymentStatus status, Optional<String> reason, Instant createdAt, Instant updatedAt) {
        return new Deployment(id, name, modelType, engine, endpoints, upstreamModel, upstreamApiKeyEnv, status, reason,
                createdAt, updatedAt);
    }

    public Deployment markRunning(Instant now) {
        return new Deployment(id, name, modelType, engine, endpoints, upstreamModel, upstreamApiKeyEnv,
                DeploymentStatus.RUNNING, Optional.empty(), createdAt, now);
    }

    public Deployment markFailed(String why, Instant now) {
        return new Deployment(id, name, modelType, engine, endpoints, upstreamModel, upstreamApiKeyEnv,
                DeploymentStatus.FAILED, Optional.of(why), createdAt, now);
    }

    /** The model name the engine knows: the upstream's when set, else the public one. */
    public String engineModel() {
        return upstreamModel.orElse(modelType);
    }

    private static String text(String field, String value) {
        if (value == null || value.isBlank() || value.length() > 200) {
            throw new IllegalArgumentException(field + " must be 1-200 characters");
        }
        return value.strip();
    }

    public DeploymentId id() { return id; }
    public String name() { return name; }
    public String modelType() { return modelType; }
    public EngineKind engine() { return engine; }
    public List<URI> endpoints() { return endpoints; }
    public Optional<String> upstreamModel() { return upstreamModel; }
    public Optional<String> upstreamApiKeyEnv() { return upstreamApiKeyEnv; }
    public DeploymentStatus status() { return status; }
    public Optional<String> reason() { return reason; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
}
