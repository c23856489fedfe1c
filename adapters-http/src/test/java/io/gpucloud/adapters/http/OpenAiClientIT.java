package io.gpucloud.adapters.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import io.gpucloud.domain.apikey.Limits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java client against the server: create, stream, list models, error types. */
class OpenAiClientIT {
    private static TestServer server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        client = clientFor(server.newKey());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void normalEngine() {
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.NORMAL);
    }

    private static OpenAIClient clientFor(String key) {
        return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(server.uri("/v1").toString()).maxRetries(0)
                .timeout(Duration.ofSeconds(15)).build();
    }

    private static ChatCompletionCreateParams.Builder params(String model) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("You are terse.").addUserMessage("Say hello");
    }

    @Test
    void create_returnsACompletionTheClientUnderstands() {
        ChatCompletion completion = client.chat().completions().create(params("gpt-4o").n(2).maxCompletionTokens(40).build());
        completion.validate();
        assertEquals("gpt-4o", completion.model());
        assertTrue(completion.id().startsWith("chatcmpl-"));
        assertEquals(2, completion.choices().size());
        assertFalse(completion.choices().getFirst().message().content().orElseThrow().isEmpty());
        assertTrue(completion.usage().orElseThrow().totalTokens() > 0);
    }

    @Test
    void createStreaming_deliversChunksAndTheUsage() {
        ChatCompletionCreateParams request = params("gpt-4o")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(request)) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();
            chunks.forEach(ChatCompletionChunk::validate);
            assertEquals(1, chunks.stream().map(ChatCompletionChunk::id).distinct().count());
            String text = chunks.stream().flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse("")).collect(Collectors.joining());
            assertFalse(text.isBlank());
            assertTrue(chunks.getLast().choices().isEmpty());
            assertTrue(chunks.getLast().usage().orElseThrow().completionTokens() > 0);
        }
    }

    @Test
    void createStreaming_whenTheEngineFailsMidStream_raisesTheErrorEvent() {
        server.scriptedEngine.behave(ScriptedEngine.Behaviour.FAIL_AFTER_FIRST_TOKEN);
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(params(TestServer.SCRIPTED_MODEL).build())) {
            SseException failure = assertThrows(SseException.class, () -> stream.stream().toList());
            assertEquals(Optional.of("engine_unavailable"), failure.code());
        }
    }

    @Test
    void listModels_showsTheDefaultModels() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertTrue(ids.containsAll(List.of("gpt-3.5-turbo", "gpt-4", "gpt-4o", "llama-2-7b", "mistral-7b", "mixtral-8x7b")), ids.toString());
    }

    @Test
    void errors_arriveAsTheClientsExceptionTypes() {
        UnauthorizedException unauthorized = assertThrows(UnauthorizedException.class,
                () -> clientFor("sk-gc-wrong").chat().completions().create(params("gpt-4o").build()));
        assertEquals(Optional.of("invalid_api_key"), unauthorized.code());

        NotFoundException notFound = assertThrows(NotFoundException.class,
                () -> client.chat().completions().create(params("gpt-99").build()));
        assertEquals(Optional.of("model_not_found"), notFound.code());
        assertEquals(Optional.of("invalid_request_error"), notFound.type());

        BadRequestException badRequest = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(params("gpt-4o").n(100).build()));
        assertEquals(Optional.of("n"), badRequest.param());

        OpenAIClient limited = clientFor(server.newKey(new Limits(OptionalLong.of(1), OptionalLong.empty(), OptionalLong.empty(),
                OptionalInt.empty(), Set.of(), Optional.empty())));
        limited.chat().completions().create(params("gpt-4o").build());
        RateLimitException rateLimited = assertThrows(RateLimitException.class,
                () -> limited.chat().completions().create(params("gpt-4o").build()));
        assertEquals(Optional.of("rate_limit_exceeded"), rateLimited.code());
        assertTrue(rateLimited.headers().values("retry-after").size() == 1);

        server.scriptedEngine.behave(ScriptedEngine.Behaviour.FAIL_BEFORE_FIRST_TOKEN);
        OpenAIServiceException unavailable = assertThrows(OpenAIServiceException.class,
                () -> client.chat().completions().create(params(TestServer.SCRIPTED_MODEL).build()));
        assertEquals(503, unavailable.statusCode());
    }
}
