package io.gpucloud.domain.worker;

/**
 * Hears the events of one submitted job. Calls for one job are sequential (never concurrent) but
 * may come from any thread; implementations must not block.
 *
 * <p>{@code attempt} is the delivery the event belongs to (1 for the first worker; a higher one
 * means the job was claimed again after its worker was lost; 0 is never used). {@code sequence}
 * numbers the events of one attempt from 0 without gaps, so a listener can tell when an event of
 * that attempt was lost in transit. Events of an older attempt may still arrive after a newer one
 * started (a worker thought lost was only slow): the listener decides which attempt it follows.
 */
@FunctionalInterface
public interface JobListener {
    void onEvent(int attempt, long sequence, JobEvent event);
}
