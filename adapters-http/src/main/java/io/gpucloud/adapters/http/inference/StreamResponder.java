package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.http.wire.ErrorMapper;
import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.application.inference.StreamChatUseCase;
import io.undertow.server.HttpServerExchange;

/**
 * A streamed chat completion: admission first (a refusal is an ordinary HTTP error), then the
 * {@link SseStream}. An admitted stream whose client already left is abandoned, never started.
 */
final class StreamResponder {
    private final StreamChatUseCase streamChat;
    private final Metrics metrics;

    StreamResponder(StreamChatUseCase streamChat, Metrics metrics) {
        this.streamChat = streamChat;
        this.metrics = metrics;
    }

    /** Call from a detached step. */
    void respond(HttpServerExchange exchange, CompleteChatUseCase.Command command) {
        streamChat.open(command).whenComplete((opening, failure) -> {
            if (failure != null) {
                Flow.resume(exchange, onIoThread -> Flow.fail(onIoThread, failure));
                return;
            }
            switch (opening) {
                case StreamChatUseCase.Rejected rejected -> Flow.resume(exchange, onIoThread -> refuse(onIoThread, rejected));
                case StreamChatUseCase.Opened opened -> {
                    if (!Flow.resume(exchange, onIoThread -> start(onIoThread, opened, command))) {
                        opened.stream().abandon();
                    }
                }
            }
        });
    }

    private static void refuse(HttpServerExchange exchange, StreamChatUseCase.Rejected rejected) {
        if (!(rejected.rejection() instanceof ChatRejection.ModelNotFound)) {
            RequestContext.of(exchange).modelKnown();
        }
        RateLimitHeaders.apply(exchange.getResponseHeaders(), rejected.snapshot());
        Responses.error(exchange, ErrorMapper.map(rejected.rejection()));
    }

    private void start(HttpServerExchange exchange, StreamChatUseCase.Opened opened, CompleteChatUseCase.Command command) {
        RequestContext context = RequestContext.of(exchange);
        if (!exchange.getConnection().isOpen() || exchange.isComplete()) {
            opened.stream().abandon();
            context.note("client_left_before_stream");
            exchange.endExchange();
            return;
        }
        context.modelKnown();
        RateLimitHeaders.apply(exchange.getResponseHeaders(), opened.snapshot());
        SseStream stream = new SseStream(exchange, opened, command.request().includeUsage(), context, metrics);
        Flow.detach(exchange, detached -> stream.start());
    }
}
