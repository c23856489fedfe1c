package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.DeploymentStore;
import io.gpucloud.domain.inference.InferenceEngine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps deployments' statuses true and the {@link DeploymentCatalog} in step with the store. One
 * {@link #run() pass}: reload every deployment from the {@link DeploymentStore} (so changes made
 * through another instance arrive without a restart), hand them to the catalog, probe each one's
 * engine, then move statuses:
 * <ul>
 *   <li>{@code provisioning}/{@code failed} → {@code running} on a successful probe;</li>
 *   <li>{@code provisioning}/{@code running} → {@code failed}, with the probe's reason, once probes
 *       have failed for {@code failAfter} without a success in between.</li>
 * </ul>
 * Changes are written with {@link DeploymentStore#update}. Run it every few seconds and right after
 * a deployment is created or deleted. Blocking (the store, and up to {@code probeWait} for probes);
 * passes never overlap. Never throws: a store that is down is reported to the {@link Listener} and
 * the last known deployments keep being served.
 */
public final class DeploymentMonitor implements Runnable {

    /** Hears what the monitor does, for logs. Called on the monitor's thread. */
    public interface Listener {
        /** A deployment's status (or reason) changed and was stored. */
        default void statusChanged(Deployment deployment) {
        }

        /** The store could not be read or written in this pass. */
        default void storeFailed(RuntimeException failure) {
        }

        /** A pass read the store and probed {@code deployments} deployments. */
        default void passCompleted(int deployments) {
        }
    }

    private final DeploymentStore store;
    private final DeploymentCatalog catalog;
    private final Clock clock;
    private final Duration failAfter;
    private final Duration probeWait;
    private final Listener listener;
    /** Guarded by this: since when each deployment's probes have been failing without a success. */
    private final Map<DeploymentId, Instant> failingSince = new HashMap<>();

    /**
     * @param failAfter how long probes must keep failing before a deployment is {@code failed}
     * @param probeWait how long a pass waits for probes; one that has not answered by then failed
     */
    public DeploymentMonitor(DeploymentStore store, DeploymentCatalog catalog, Clock clock, Duration failAfter,
                             Duration probeWait, Listener listener) {
        if (failAfter.isNegative() || probeWait.isNegative() || probeWait.isZero()) {
            throw new IllegalArgumentException("failAfter must not be negative and probeWait must be positive");
        }
        this.store = store;
        this.catalog = catalog;
        this.clock = clock;
        this.failAfter = failAfter;
        this.probeWait = probeWait;
        this.listener = listener;
    }

    /** One pass; see the class comment. */
    @Override
    public synchronized void run() {
        List<Deployment> deployments;
        try {
            deployments = store.list();
        } catch (RuntimeException storeDown) {
            listener.storeFailed(storeDown);
            return;
        }
        catalog.apply(deployments);
        Map<DeploymentId, Optional<String>> problems = probeAll(deployments);
        Instant now = clock.instant();
        List<Deployment> current = new ArrayList<>(deployments.size());
        for (Deployment deployment : deployments) {
            Deployment next = next(deployment, problems.get(deployment.id()), now);
            if (next == deployment) {
                current.add(deployment);
                continue;
            }
            try {
                if (store.update(next)) {
                    listener.statusChanged(next);
                    current.add(next);
                }
                // Not updated: deleted meanwhile; the next pass drops it for good.
            } catch (RuntimeException storeDown) {
                listener.storeFailed(storeDown);
                current.add(next); // Route by what the probes say; the write is retried next pass.
            }
        }
        Set<DeploymentId> known = new HashSet<>();
        deployments.forEach(deployment -> known.add(deployment.id()));
        failingSince.keySet().retainAll(known);
        catalog.apply(current);
        listener.passCompleted(deployments.size());
    }

    /** The deployment after this pass's probe: itself when nothing changes. */
    private Deployment next(Deployment deployment, Optional<String> problem, Instant now) {
        if (problem.isEmpty()) {
            failingSince.remove(deployment.id());
            return deployment.status() == DeploymentStatus.RUNNING ? deployment : deployment.markRunning(now);
        }
        Instant since = failingSince.computeIfAbsent(deployment.id(), id -> now);
        boolean longEnough = Duration.between(since, now).compareTo(failAfter) >= 0;
        if (!longEnough) {
            return deployment;
        }
        boolean sameFailure = deployment.status() == DeploymentStatus.FAILED && deployment.reason().equals(problem);
        return sameFailure ? deployment : deployment.markFailed(problem.get(), now);
    }

    /** Each deployment's probe problem (empty: it answered), all probed at once. */
    private Map<DeploymentId, Optional<String>> probeAll(List<Deployment> deployments) {
        Map<DeploymentId, CompletableFuture<Optional<String>>> probes = new LinkedHashMap<>();
        for (Deployment deployment : deployments) {
            probes.put(deployment.id(), probe(deployment));
        }
        try {
            CompletableFuture.allOf(probes.values().toArray(CompletableFuture[]::new))
                    .get(probeWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException slowOrFailed) {
            // Each probe is looked at below: a slow one counts as failed.
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        Map<DeploymentId, Optional<String>> problems = new HashMap<>();
        String slow = "the probe did not answer within " + probeWait.toMillis() + " ms";
        probes.forEach((id, probe) -> problems.put(id, probe.getNow(Optional.of(slow))));
        return problems;
    }

    private CompletableFuture<Optional<String>> probe(Deployment deployment) {
        Optional<InferenceEngine> engine = catalog.engine(deployment.id());
        if (engine.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.of("no engine"));
        }
        try {
            return engine.get().probe().toCompletableFuture()
                    .handle((ok, failure) -> failure == null ? Optional.<String>empty() : Optional.of(reason(failure)));
        } catch (RuntimeException failedToStart) {
            return CompletableFuture.completedFuture(Optional.of(reason(failedToStart)));
        }
    }

    private static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
