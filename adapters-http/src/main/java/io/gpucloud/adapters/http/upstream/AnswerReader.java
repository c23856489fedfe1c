package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JsonNode;
import io.gpucloud.application.inference.StreamChatService;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.TokenUsage;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the upstream's answers, a non-streamed {@code chat.completion} and each
 * {@code chat.completion.chunk} event of a stream, into domain values in one pass of a streaming
 * {@link JsonParser}. A stream relays one event per token, and building a Jackson tree of each event
 * before reading it was a large part of the gateway's CPU per relayed chunk; this reads the fields a tree
 * would have been asked for, by the same rules: the last of duplicate names wins, unknown fields are
 * skipped (still checked to be JSON), a JSON null or a value of the wrong type counts as absent, and
 * the same documents fail with the same {@link UpstreamJson.Malformed} messages. A document is read
 * whole before any of it is judged, so the checks keep the order the callers rely on.
 */
final class AnswerReader {
    private AnswerReader() {
    }

    /** One stream event's data, read; {@link StreamCall} checks its error, then its usage, then its choices. */
    static final class ChunkEvent {
        private final JsonNode error;
        private final Optional<TokenUsage> usage;
        private final Read<ChunkChoice> choices;

        private ChunkEvent(JsonNode error, Optional<TokenUsage> usage, Read<ChunkChoice> choices) {
            this.error = error;
            this.usage = usage;
            this.choices = choices;
        }

        /** What the event's {@code error} says, if it carries one. */
        Optional<String> error() {
            return error == null ? Optional.empty()
                    : Optional.of(UpstreamJson.messageOf(error).orElse("the upstream reported an error"));
        }

        /** The {@code code} of the event's error when it is an HTTP client-error status; else 0. */
        int errorStatus() {
            JsonNode code = error == null ? null : error.path("code");
            int status = code == null ? 0
                    : code.canConvertToInt() ? code.asInt() : code.isTextual() ? UpstreamJson.parseInt(code.asText()) : 0;
            return status >= 400 && status <= 499 ? status : 0;
        }

        /** The event's usage, if valid (non-negative whole prompt and completion counts). */
        Optional<TokenUsage> usage() {
            return usage;
        }

        /**
         * The choices, their generated text added to {@code tokens}; empty for a usage-only event.
         * Malformed choices fail after the well-formed ones before them were counted, as a tree walk did.
         */
        Optional<ChatChunk> chunk(Counting tokens) throws UpstreamJson.Malformed {
            for (ChunkChoice choice : choices.values()) {
                choice.content().ifPresent(tokens::add);
                countExtras(choice.delta(), tokens);
            }
            choices.check();
            return choices.values().isEmpty() ? Optional.empty() : Optional.of(new ChatChunk(choices.values()));
        }
    }

    static ChunkEvent chunkEvent(byte[] data, int offset, int length) throws UpstreamJson.Malformed {
        try (JsonParser json = UpstreamJson.MAPPER.createParser(data, offset, length)) {
            return chunkEvent(json);
        } catch (IOException notJson) {
            throw notJson(notJson);
        }
    }

    private static ChunkEvent chunkEvent(JsonParser json) throws IOException, UpstreamJson.Malformed {
        rootObject(json);
        JsonNode error = null;
        Optional<TokenUsage> usage = Optional.empty();
        Read<ChunkChoice> choices = Read.none();
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
            JsonToken value = json.nextToken();
            switch (name) {
                // Rare (one per failed stream), and its shapes vary: read as a tree, as errorMessage does.
                case "error" -> error = value == JsonToken.VALUE_NULL ? null : UpstreamJson.MAPPER.readTree(json);
                case "usage" -> usage = usage(json);
                case "choices" -> choices = value == JsonToken.VALUE_NULL ? Read.none()
                        : choices(json, "choices is not an array", AnswerReader::chunkChoice);
                default -> json.skipChildren();
            }
        }
        return new ChunkEvent(error, usage, choices);
    }

    /**
     * A stream's events, read by one parser for the whole stream: Jackson's non-blocking parser, fed one event's data
     * at a time. Setting up a parser per event was a third of the bytes a relayed chunk allocated. An event this
     * reader cannot take whole (bad JSON, anything after the object) is read again by {@link #chunkEvent(byte[], int,
     * int)}, which decides exactly as before, and the stream's later events are read that way too. Not thread-safe:
     * one per attempt, called in order.
     */
    static final class ChunkEvents {
        private final JsonParser raw;
        private final ByteArrayFeeder feeder;
        private final JsonParser whole;
        private boolean broken;

        ChunkEvents() {
            JsonParser parser;
            try {
                parser = UpstreamJson.MAPPER.createNonBlockingByteArrayParser();
            } catch (IOException impossible) {
                throw new IllegalStateException("a non-blocking parser over memory", impossible);
            }
            this.raw = parser;
            this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
            this.whole = new WholeDocument(parser);
        }

        ChunkEvent next(byte[] data, int offset, int length) throws UpstreamJson.Malformed {
            if (!broken && looksWhole(data, offset, length)) {
                try {
                    feeder.feedInput(data, offset, offset + length);
                    ChunkEvent event = chunkEvent(whole);
                    if (raw.nextToken() == JsonToken.NOT_AVAILABLE) {
                        return event;
                    }
                } catch (IOException | UpstreamJson.Malformed | RuntimeException notWhole) {
                    // Decided below, by the reader of single documents.
                }
                broken = true;
            }
            return chunkEvent(data, offset, length);
        }

        /**
         * Whether the event can go through the shared parser without leaving anything pending in it: it starts with
         * {@code &#123;}, ends with {@code &#125;} and closes every string it opens. After its object the parser must
         * then be out of input exactly (checked after reading); what is left unread would otherwise be a partial token
         * that the next event's bytes continue.
         */
        private static boolean looksWhole(byte[] data, int offset, int length) {
            int start = offset;
            int end = offset + length;
            while (start < end && isSpace(data[start])) {
                start++;
            }
            while (end > start && isSpace(data[end - 1])) {
                end--;
            }
            if (end - start < 2 || data[start] != '{' || data[end - 1] != '}') {
                return false;
            }
            boolean inString = false;
            for (int i = start; i < end; i++) {
                byte b = data[i];
                if (b == '\\' && inString) {
                    i++;
                } else if (b == '"') {
                    inString = !inString;
                }
            }
            return !inString;
        }

        private static boolean isSpace(byte b) {
            return b == ' ' || b == '\t' || b == '\n' || b == '\r';
        }

        /** Gives the parser's buffers back to the thread's pool, for the next stream's parser; later events are read alone. */
        void close() {
            broken = true;
            try {
                raw.close();
            } catch (IOException impossible) {
                // A parser over memory holds nothing that can fail to close.
            }
        }

        /** False once an event had to be read alone (and every event after it is). */
        boolean readsWithOneParser() {
            return !broken;
        }
    }

    /** The non-blocking parser over one whole event: running out of input inside the value is an error, not a wait. */
    private static final class WholeDocument extends JsonParserDelegate {
        WholeDocument(JsonParser nonBlocking) {
            super(nonBlocking);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            JsonToken token = delegate.nextToken();
            if (token == JsonToken.NOT_AVAILABLE) {
                throw new JsonParseException(this, "the event ends inside its JSON value");
            }
            return token;
        }

        @Override
        public String nextFieldName() throws IOException {
            return nextToken() == JsonToken.FIELD_NAME ? currentName() : null;
        }
    }

    /** A non-streamed {@code chat.completion}; usage counted with {@code tokens} when the upstream's is absent or invalid. */
    static ChatCompletion completion(byte[] body, int offset, int length, Clock clock, Counting tokens)
            throws UpstreamJson.Malformed {
        boolean error = false;
        Read<Choice> choices = Read.failed("no choices array");
        Optional<TokenUsage> usage = Optional.empty();
        Optional<String> id = Optional.empty();
        OptionalLong created = OptionalLong.empty();
        Optional<String> model = Optional.empty();
        try (JsonParser json = UpstreamJson.MAPPER.createParser(body, offset, length)) {
            rootObject(json);
            for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
                JsonToken value = json.nextToken();
                switch (name) {
                    case "error" -> {
                        error = value != JsonToken.VALUE_NULL;
                        json.skipChildren();
                    }
                    case "choices" -> choices = choices(json, "no choices array", AnswerReader::completionChoice);
                    case "usage" -> usage = usage(json);
                    case "id" -> id = text(json);
                    case "created" -> created = wholeLong(json);
                    case "model" -> model = text(json);
                    default -> json.skipChildren();
                }
            }
        } catch (IOException notJson) {
            throw notJson(notJson);
        }
        if (error) {
            throw new UpstreamJson.Malformed("the upstream answered an error with a success status");
        }
        for (Choice choice : choices.values()) {
            choice.content().ifPresent(tokens::add);
            countExtras(choice.message(), tokens);
        }
        choices.check();
        return new ChatCompletion(id.filter(value -> !value.isBlank()).orElseGet(StreamChatService::newCompletionId),
                created.orElseGet(() -> clock.instant().getEpochSecond()), model.orElse(""), choices.values(),
                usage.orElseGet(tokens::usage));
    }

    /**
     * Choices read up to the first that is not an object, and why they stopped ({@code null}: they
     * did not); the failure is raised only once the choices before it have been counted, as a tree
     * walk counted them before it met the bad one.
     */
    private record Read<T>(List<T> values, String malformed) {
        static <T> Read<T> none() {
            return new Read<>(List.of(), null);
        }

        static <T> Read<T> failed(String malformed) {
            return new Read<>(List.of(), malformed);
        }

        void check() throws UpstreamJson.Malformed {
            if (malformed != null) {
                throw new UpstreamJson.Malformed(malformed);
            }
        }
    }

    /** The role, content and other fields of a {@code message} or {@code delta}. */
    private record Message(Optional<String> role, Optional<String> content, Map<String, Object> extra) {
        static final Message NONE = new Message(Optional.empty(), Optional.empty(), Map.of());
    }

    /** Reads one choice, the parser on its {@code START_OBJECT}; {@code position} is its place in the array. */
    private interface ChoiceReader<T> {
        T read(JsonParser json, int position) throws IOException;
    }

    private static <T> Read<T> choices(JsonParser json, String notAnArray, ChoiceReader<T> choice) throws IOException {
        if (json.currentToken() != JsonToken.START_ARRAY) {
            json.skipChildren();
            return Read.failed(notAnArray);
        }
        List<T> choices = new ArrayList<>(1);
        String malformed = null;
        for (int position = 0; json.nextToken() != JsonToken.END_ARRAY; position++) {
            if (malformed == null && json.currentToken() != JsonToken.START_OBJECT) {
                malformed = "a choice is not an object";
            }
            if (malformed == null) {
                choices.add(choice.read(json, position));
            } else {
                // A tree walk stopped at the first bad choice, but the tree had been read whole: the rest must be JSON.
                json.skipChildren();
            }
        }
        return new Read<>(choices, malformed);
    }

    private static ChunkChoice chunkChoice(JsonParser json, int position) throws IOException {
        int index = position;
        Optional<String> finishReason = Optional.empty();
        Message delta = Message.NONE;
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
            json.nextToken();
            switch (name) {
                case "index" -> index = index(json, position);
                case "delta" -> delta = message(json);
                case "finish_reason" -> finishReason = text(json);
                default -> json.skipChildren();
            }
        }
        return new ChunkChoice(index, delta.role(), delta.content(), finishReason, delta.extra());
    }

    private static Choice completionChoice(JsonParser json, int position) throws IOException {
        int index = position;
        Optional<String> finishReason = Optional.empty();
        Message message = Message.NONE;
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
            json.nextToken();
            switch (name) {
                case "index" -> index = index(json, position);
                case "message" -> message = message(json);
                case "finish_reason" -> finishReason = text(json);
                default -> json.skipChildren();
            }
        }
        return new Choice(index, message.content(), finishReason.orElse(null), message.extra());
    }

    /** A {@code message}/{@code delta}: anything but an object has no role, content or extra fields. */
    private static Message message(JsonParser json) throws IOException {
        if (json.currentToken() != JsonToken.START_OBJECT) {
            json.skipChildren();
            return Message.NONE;
        }
        Optional<String> role = Optional.empty();
        Optional<String> content = Optional.empty();
        Map<String, Object> extra = null;
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
            json.nextToken();
            switch (name) {
                case "role" -> role = text(json);
                case "content" -> content = text(json);
                default -> {
                    if (extra == null) {
                        extra = new LinkedHashMap<>();
                    }
                    // A repeated name keeps its first place and takes the last value, as in a tree.
                    extra.put(name, plain(json));
                }
            }
        }
        return new Message(role, content, extra == null ? Map.of() : extra);
    }

    /** A usage object with non-negative whole prompt and completion counts; anything else is no usage. */
    private static Optional<TokenUsage> usage(JsonParser json) throws IOException {
        if (json.currentToken() != JsonToken.START_OBJECT) {
            json.skipChildren();
            return Optional.empty();
        }
        long prompt = -1;
        long completion = -1;
        for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
            json.nextToken();
            switch (name) {
                case "prompt_tokens" -> prompt = wholeCount(json);
                case "completion_tokens" -> completion = wholeCount(json);
                default -> json.skipChildren();
            }
        }
        return prompt >= 0 && completion >= 0 ? Optional.of(new TokenUsage(prompt, completion)) : Optional.empty();
    }

    /** A JSON integer that fits a long and is not negative; else -1. */
    private static long wholeCount(JsonParser json) throws IOException {
        if (json.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            json.skipChildren();
            return -1;
        }
        // The parser types an integer by the smallest that holds it: BIG_INTEGER is beyond a long.
        if (json.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return -1;
        }
        long count = json.getLongValue();
        return count >= 0 ? count : -1;
    }

    /**
     * A choice's {@code index}, read as the tree's {@code canConvertToInt() ? asInt()} did: an integer
     * within int range, or a float within it, truncated; else the choice's position.
     */
    private static int index(JsonParser json, int position) throws IOException {
        return switch (json.currentToken()) {
            case VALUE_NUMBER_INT -> json.getNumberType() == JsonParser.NumberType.INT ? json.getIntValue() : position;
            case VALUE_NUMBER_FLOAT -> {
                double value = json.getDoubleValue();
                yield value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? (int) value : position;
            }
            default -> {
                json.skipChildren();
                yield position;
            }
        };
    }

    /** {@code created}, read as the tree's {@code canConvertToLong() ? asLong()} did. */
    private static OptionalLong wholeLong(JsonParser json) throws IOException {
        return switch (json.currentToken()) {
            case VALUE_NUMBER_INT -> json.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? OptionalLong.empty() : OptionalLong.of(json.getLongValue());
            case VALUE_NUMBER_FLOAT -> {
                double value = json.getDoubleValue();
                yield value >= Long.MIN_VALUE && value <= Long.MAX_VALUE ? OptionalLong.of((long) value) : OptionalLong.empty();
            }
            default -> {
                json.skipChildren();
                yield OptionalLong.empty();
            }
        };
    }

    private static Optional<String> text(JsonParser json) throws IOException {
        if (json.currentToken() == JsonToken.VALUE_STRING) {
            return Optional.of(json.getText());
        }
        json.skipChildren();
        return Optional.empty();
    }

    /** The value as plain Java values, the types Jackson's untyped deserialisation gives. */
    private static Object plain(JsonParser json) throws IOException {
        return switch (json.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> object = new LinkedHashMap<>();
                for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
                    json.nextToken();
                    object.put(name, plain(json));
                }
                yield object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                while (json.nextToken() != JsonToken.END_ARRAY) {
                    array.add(plain(json));
                }
                yield array;
            }
            case VALUE_STRING -> json.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> json.getNumberValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalStateException("not a value: " + json.currentToken());
        };
    }

    /** Positions the parser in the document's object; anything else is read through (so broken JSON fails as such) and refused. */
    private static void rootObject(JsonParser json) throws IOException, UpstreamJson.Malformed {
        JsonToken first = json.nextToken();
        if (first == JsonToken.START_OBJECT) {
            return;
        }
        if (first != null) {
            json.skipChildren();
            json.finishToken();
        }
        throw new UpstreamJson.Malformed("expected a JSON object");
    }

    private static UpstreamJson.Malformed notJson(IOException notJson) {
        return new UpstreamJson.Malformed("not JSON: " + notJson.getClass().getSimpleName());
    }

    /** Adds the generated text outside {@code content} (tool call arguments, reasoning) to the count. */
    private static void countExtras(Map<String, Object> extra, Counting tokens) {
        if (extra.isEmpty()) {
            return;
        }
        if (extra.get("reasoning_content") instanceof String reasoning) {
            tokens.add(reasoning);
        }
        if (extra.get("tool_calls") instanceof List<?> calls) {
            for (Object call : calls) {
                if (call instanceof Map<?, ?> map && map.get("function") instanceof Map<?, ?> function) {
                    if (function.get("name") instanceof String name) {
                        tokens.add(name);
                    }
                    if (function.get("arguments") instanceof String arguments) {
                        tokens.add(arguments);
                    }
                }
            }
        }
    }
}
