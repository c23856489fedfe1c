package io.gpucloud.domain.apikey;

/**
 * Told when a key was revoked or changed anywhere, so cached copies are dropped. Called on an
 * arbitrary thread; must not block.
 */
@FunctionalInterface
public interface KeyChangeListener {
    void keyChanged(KeyHash hash);
}
