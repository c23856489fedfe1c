package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.inference.InferenceEngine;

/**
 * Builds the engine that serves one deployment ({@link Deployment#engine()}, its endpoints, its
 * upstream key). The {@link DeploymentCatalog} keeps one engine per deployment and disposes of it
 * when the deployment goes or its configuration changes. Called on the monitor's thread: must not
 * wait on the network (engines connect lazily).
 */
public interface EngineFactory {

    /** A new engine, or a shared one (the simulated engine). Throws {@link IllegalArgumentException} for a configuration it cannot serve. */
    InferenceEngine create(Deployment deployment);

    /** The deployment is gone: free what its engine holds. By default closes engines that are {@link AutoCloseable}. */
    default void dispose(InferenceEngine engine) {
        if (engine instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception failed) {
                throw new IllegalStateException("closing a deployment's engine failed", failed);
            }
        }
    }
}
