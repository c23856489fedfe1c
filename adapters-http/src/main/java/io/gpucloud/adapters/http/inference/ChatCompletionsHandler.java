package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.auth.Caller;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.IoThreadMailbox;
import io.gpucloud.adapters.http.wire.RequestBody;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.application.inference.StreamChatUseCase;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.ChatRequest;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.Executor;

/**
 * {@code POST /v1/chat/completions}, streamed or not. The body is received on the IO thread; small
 * bodies are decoded and admitted there too, large ones (over {@value #LARGE_BODY_BYTES} bytes) on
 * a virtual thread, since parsing and tokenizing megabytes would stall every connection of that IO
 * thread. The use cases are non-blocking; responses are written on the IO thread.
 */
public final class ChatCompletionsHandler implements HttpHandler {
    static final int LARGE_BODY_BYTES = 64 * 1024;

    private final CompletionResponder completions;
    private final StreamResponder streams;
    private final Executor blocking;
    private final long maxBodyBytes;

    public ChatCompletionsHandler(CompleteChatUseCase completeChat, StreamChatUseCase streamChat, Metrics metrics,
                                  Executor blocking, long maxBodyBytes) {
        this.completions = new CompletionResponder(completeChat);
        this.streams = new StreamResponder(streamChat, metrics);
        this.blocking = blocking;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        ApiKey caller = Caller.of(exchange);
        RequestBody.receive(exchange, maxBodyBytes, (received, body) -> {
            if (body.length > LARGE_BODY_BYTES) {
                Flow.blocking(received, blocking, onVirtualThread -> admit(onVirtualThread, caller, body));
            } else {
                admit(received, caller, body);
            }
        });
    }

    private void admit(HttpServerExchange exchange, ApiKey caller, byte[] body) {
        ChatRequest request = ChatRequestDecoder.decode(body);
        RequestContext context = RequestContext.of(exchange);
        context.model(request.model());
        // An engine called after a quota answer from Redis is called on this request's IO thread again: the openai
        // engine's calls from an IO thread go out on that thread's own connections instead of through Jetty.
        CompleteChatUseCase.Command command = new CompleteChatUseCase.Command(caller, request, context.meteringId(),
                context.startedNanos(), IoThreadMailbox.of(exchange.getIoThread()));
        if (request.stream()) {
            Flow.detach(exchange, detached -> streams.respond(detached, command));
        } else {
            completions.respond(exchange, command);
        }
    }
}
