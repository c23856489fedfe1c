package io.gpucloud.domain.inference;

/** Stops a stream whose client went away: the engine frees what it holds and ends the sink with fail. */
@FunctionalInterface
public interface Cancellation {
    void cancel();
}
