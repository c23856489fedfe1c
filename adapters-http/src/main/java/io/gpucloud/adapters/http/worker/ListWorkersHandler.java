package io.gpucloud.adapters.http.worker;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.worker.ListWorkersUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.Executor;

/** {@code GET /api/workers} → {@code {"workers":[…]}}, ordered by id; a worker silent past its lease is {@code "lost"}. */
public final class ListWorkersHandler implements HttpHandler {
    private final ListWorkersUseCase listWorkers;
    private final Executor blocking;

    public ListWorkersHandler(ListWorkersUseCase listWorkers, Executor blocking) {
        this.listWorkers = listWorkers;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Flow.blockingReply(exchange, blocking, () -> Reply.json(200, WorkerJson.list(listWorkers.list())));
    }
}
