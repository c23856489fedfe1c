package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.KeyChangeBroadcast;
import io.gpucloud.domain.apikey.KeyChangeListener;
import io.gpucloud.domain.apikey.KeyHash;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Broadcast within this process only: enough for a single instance. */
public final class LocalKeyChangeBroadcast implements KeyChangeBroadcast {
    private final List<KeyChangeListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void publish(KeyHash hash) {
        listeners.forEach(listener -> listener.keyChanged(hash));
    }

    @Override
    public void subscribe(KeyChangeListener listener) {
        listeners.add(listener);
    }
}
