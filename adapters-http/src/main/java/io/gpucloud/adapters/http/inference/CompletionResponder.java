package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.wire.ErrorMapper;
import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.domain.inference.TokenUsage;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** A non-streamed chat completion: run the use case, answer on the IO thread with the rate-limit headers. */
final class CompletionResponder {
    private final CompleteChatUseCase completeChat;

    CompletionResponder(CompleteChatUseCase completeChat) {
        this.completeChat = completeChat;
    }

    /**
     * Call from inside a handler call or body callback. On the IO thread the use case runs at once, and when it is done
     * at once (the simulated engine, the in-process quota) the answer is written right there: no dispatch, no task
     * queued to the IO thread. Otherwise (an upstream, Redis; or a large body on a virtual thread) the exchange is
     * detached and resumed on its IO thread when the completion (or refusal) is in.
     */
    void respond(HttpServerExchange exchange, CompleteChatUseCase.Command command) {
        if (!exchange.isInIoThread()) {
            Flow.detach(exchange, detached -> whenDone(detached, completeChat.complete(command)));
            return;
        }
        CompletableFuture<CompleteChatUseCase.Outcome> outcome = completeChat.complete(command).toCompletableFuture();
        if (!outcome.isDone()) {
            Flow.detach(exchange, detached -> whenDone(detached, outcome));
            return;
        }
        CompleteChatUseCase.Outcome done;
        try {
            done = outcome.join();
        } catch (CompletionException | CancellationException failure) {
            Flow.fail(exchange, failure.getCause() != null ? failure.getCause() : failure);
            return;
        }
        render(exchange, done);
    }

    private static void whenDone(HttpServerExchange exchange, CompletionStage<CompleteChatUseCase.Outcome> outcome) {
        outcome.whenComplete((done, failure) -> Flow.resume(exchange, onIoThread -> {
            if (failure != null) {
                Flow.fail(onIoThread, failure);
                return;
            }
            render(onIoThread, done);
        }));
    }

    private static void render(HttpServerExchange exchange, CompleteChatUseCase.Outcome outcome) {
        RequestContext context = RequestContext.of(exchange);
        RateLimitHeaders.apply(exchange.getResponseHeaders(), outcome.snapshot());
        switch (outcome) {
            case CompleteChatUseCase.Completed completed -> {
                TokenUsage usage = completed.completion().usage();
                context.modelKnown();
                context.tokens(usage.promptTokens(), usage.completionTokens());
                Responses.json(exchange, 200, ChatJson.completion(completed.completion()));
            }
            case CompleteChatUseCase.Rejected rejected -> {
                if (!(rejected.rejection() instanceof ChatRejection.ModelNotFound)) {
                    context.modelKnown();
                }
                Responses.error(exchange, ErrorMapper.map(rejected.rejection()));
            }
        }
    }
}
