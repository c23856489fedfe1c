package io.gpucloud.domain.apikey;

/**
 * Tells every instance that a key changed (revoked, limits edited). Single instance: a local call;
 * several: Redis pub/sub. Publishing never blocks for long and never throws: a lost broadcast is
 * bounded by the key cache's time to live.
 */
public interface KeyChangeBroadcast {
    void publish(KeyHash hash);

    void subscribe(KeyChangeListener listener);
}
