package io.gpucloud.adapters.http.upstream;

import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The endpoints of one engine and which of them takes the next request: the one with the fewest
 * requests in flight among those in rotation (ties taken in turn), so a slow GPU node gets less
 * work. An endpoint that fails {@code ejectAfter} times in a row leaves the rotation and is probed
 * with back-off until it answers again. Thread-safe.
 */
final class EndpointPool {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointPool.class);

    private final List<Endpoint> endpoints;
    private final UpstreamSettings settings;
    private final Scheduler scheduler;
    private final Function<Endpoint, CompletionStage<?>> probe;
    private final AtomicInteger turn = new AtomicInteger();
    private volatile boolean closed;

    EndpointPool(List<URI> bases, UpstreamSettings settings, Scheduler scheduler, Function<Endpoint, CompletionStage<?>> probe) {
        if (bases.isEmpty()) {
            throw new IllegalArgumentException("an upstream needs at least one endpoint");
        }
        this.endpoints = bases.stream().map(Endpoint::new).toList();
        this.settings = settings;
        this.scheduler = scheduler;
        this.probe = probe;
    }

    List<Endpoint> all() {
        return endpoints;
    }

    /** The least busy endpoint in rotation that this call has not tried yet; the caller {@link Endpoint#acquire}s it. */
    Optional<Endpoint> pick(Collection<Endpoint> tried) {
        int size = endpoints.size();
        int start = Math.floorMod(turn.getAndIncrement(), size);
        Endpoint best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            Endpoint candidate = endpoints.get((start + i) % size);
            if (candidate.isEjected() || tried.contains(candidate)) {
                continue;
            }
            int load = candidate.outstanding();
            if (load < bestLoad) {
                best = candidate;
                bestLoad = load;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The endpoint answered (any status that is not its own failure). */
    void succeeded(Endpoint endpoint) {
        if (endpoint.succeeded()) {
            LOG.info("upstream endpoint {} is back in rotation", endpoint);
        }
    }

    /** The endpoint failed (could not connect, 5xx, silence, garbage); enough in a row take it out. */
    void failed(Endpoint endpoint, String why) {
        if (endpoint.failed(why, settings.ejectAfterFailures(), settings.probeBackoff())) {
            LOG.warn("upstream endpoint {} is out of rotation after {} failures in a row (last: {}); probing it",
                    endpoint, settings.ejectAfterFailures(), why);
            scheduleProbe(endpoint);
        }
    }

    /** How long until the soonest ejected endpoint is probed again, for a client's Retry-After. */
    Duration retryAfter() {
        return settings.probeBackoff().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : settings.probeBackoff();
    }

    void close() {
        closed = true;
    }

    private void scheduleProbe(Endpoint endpoint) {
        if (closed) {
            return;
        }
        Duration wait = endpoint.backOff(settings.maxProbeBackoff());
        scheduler.schedule(() -> probeEjected(endpoint), wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probeEjected(Endpoint endpoint) {
        if (closed || !endpoint.isEjected()) {
            return;
        }
        probe.apply(endpoint).whenComplete((answered, failure) -> {
            if (failure == null) {
                succeeded(endpoint);
            } else if (endpoint.isEjected()) {
                scheduleProbe(endpoint);
            }
        });
    }
}
