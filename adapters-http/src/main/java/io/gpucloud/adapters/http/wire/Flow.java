package io.gpucloud.adapters.http.wire;

import io.undertow.server.Connectors;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Moves a request between threads the way Undertow expects, and turns every exception thrown by a
 * step into a mapped error response.
 *
 * <ul>
 *   <li>From inside a handler call (a handler, a body callback, a previous step):
 *       {@link #blocking}, {@link #toIoThread}, {@link #detach}.</li>
 *   <li>From a foreign thread (a completion stage's callback): {@link #resume}.</li>
 * </ul>
 * Responses are always written on the exchange's IO thread: virtual threads never touch Undertow's
 * buffer pool (see performance-notes.md).
 */
public final class Flow {
    private static final Logger LOG = LoggerFactory.getLogger(Flow.class);

    /** One step of a request; anything it throws becomes an error response. */
    @FunctionalInterface
    public interface Step {
        void run(HttpServerExchange exchange) throws Exception;
    }

    private Flow() {
    }

    /** Runs {@code step} on {@code executor} (virtual threads) for work that blocks. */
    public static void blocking(HttpServerExchange exchange, Executor executor, Step step) {
        exchange.dispatch(executor, guarded(step));
    }

    /** Runs blocking {@code work} on {@code executor} and sends its reply from the IO thread. */
    public static void blockingReply(HttpServerExchange exchange, Executor executor, Callable<Reply> work) {
        blocking(exchange, executor, onVirtualThread -> {
            Reply reply = work.call();
            toIoThread(onVirtualThread, reply::send);
        });
    }

    /** Continues on the exchange's IO thread. */
    public static void toIoThread(HttpServerExchange exchange, Step step) {
        exchange.dispatch(exchange.getIoThread(), guarded(step));
    }

    /**
     * Runs {@code step} right after the current handler call returns, leaving the exchange open:
     * for steps that start asynchronous work which later {@link #resume}s the exchange.
     */
    public static void detach(HttpServerExchange exchange, Step step) {
        HttpHandler guarded = guarded(step);
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> {
            try {
                guarded.handleRequest(exchange);
            } catch (Exception impossible) {
                LOG.error("a guarded step threw", impossible);
            }
        });
    }

    /**
     * From any thread outside the exchange's handler call: continue on its IO thread.
     *
     * @return false when the IO thread is gone (the server stopped) and {@code step} will never run
     */
    public static boolean resume(HttpServerExchange exchange, Step step) {
        try {
            IoThreadMailbox.of(exchange.getIoThread()).execute(() -> Connectors.executeRootHandler(guarded(step), exchange));
            return true;
        } catch (RejectedExecutionException stopped) {
            LOG.debug("the IO thread is gone (server stopped); dropping the rest of request {}", requestId(exchange));
            return false;
        }
    }

    /** Answers a failure from wherever the request is now. */
    public static void fail(HttpServerExchange exchange, Throwable failure) {
        ApiError error = ErrorMapper.map(failure, requestId(exchange));
        if (Thread.currentThread() == exchange.getIoThread()) {
            Responses.error(exchange, error);
        } else {
            toIoThread(exchange, onIoThread -> Responses.error(onIoThread, error));
        }
    }

    private static HttpHandler guarded(Step step) {
        return exchange -> {
            try {
                step.run(exchange);
            } catch (Throwable failure) {
                if (failure instanceof VirtualMachineError fatal) {
                    throw fatal;
                }
                fail(exchange, failure);
            }
        };
    }

    private static String requestId(HttpServerExchange exchange) {
        RequestContext context = exchange.getAttachment(RequestContext.KEY);
        return context == null ? "-" : context.requestId();
    }
}
