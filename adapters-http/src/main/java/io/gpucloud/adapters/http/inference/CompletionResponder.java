package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.wire.ErrorMapper;
import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.domain.inference.TokenUsage;
import io.undertow.server.HttpServerExchange;

/** A non-streamed chat completion: run the use case, answer on the IO thread with the rate-limit headers. */
final class CompletionResponder {
    private final CompleteChatUseCase completeChat;

    CompletionResponder(CompleteChatUseCase completeChat) {
        this.completeChat = completeChat;
    }

    /** Call from a detached step; the exchange is resumed when the completion (or refusal) is in. */
    void respond(HttpServerExchange exchange, CompleteChatUseCase.Command command) {
        completeChat.complete(command).whenComplete((outcome, failure) -> Flow.resume(exchange, onIoThread -> {
            if (failure != null) {
                Flow.fail(onIoThread, failure);
                return;
            }
            render(onIoThread, outcome);
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
