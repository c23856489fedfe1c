package io.gpucloud.adapters.http.inference;

import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;

import java.util.concurrent.RejectedExecutionException;

/**
 * Tells the stream on a connection that the connection closed. One close listener per connection
 * (not one per stream, which would pile up on a long keep-alive connection); the stream being
 * served is swapped in and out. Runs the callback on the connection's IO thread, as a task of its
 * own, never inside the call that closed the connection (which may hold the stream's monitor).
 */
final class ConnectionWatch implements ServerConnection.CloseListener {
    private static final AttachmentKey<ConnectionWatch> KEY = AttachmentKey.create(ConnectionWatch.class);

    private volatile Runnable onClose;

    private ConnectionWatch() {
    }

    /** Call on the connection's IO thread. */
    static void watch(ServerConnection connection, Runnable onClose) {
        ConnectionWatch watch = connection.getAttachment(KEY);
        if (watch == null) {
            watch = new ConnectionWatch();
            connection.putAttachment(KEY, watch);
            connection.addCloseListener(watch);
        }
        watch.onClose = onClose;
    }

    /** Call on the connection's IO thread when the stream ended. */
    static void unwatch(ServerConnection connection) {
        ConnectionWatch watch = connection.getAttachment(KEY);
        if (watch != null) {
            watch.onClose = null;
        }
    }

    @Override
    public void closed(ServerConnection connection) {
        Runnable callback = onClose;
        onClose = null;
        if (callback == null) {
            return;
        }
        try {
            connection.getIoThread().execute(callback);
        } catch (RejectedExecutionException ioThreadGone) {
            callback.run();
        }
    }
}
