package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.TokenUsage;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming read of the upstream's answers gives what reading a Jackson tree of them gave: the
 * cases a tree handles by construction (field order, duplicates, skipped nesting, nulls, wrong
 * types) and the order in which a document's faults are reported.
 */
class AnswerReaderTest {
    private static final ChatRequest REQUEST = ChatRequest.of("m", List.of(ChatMessage.of("user", "hi")));
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

    /** JSON written with single quotes, for legibility. */
    private static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    private static AnswerReader.ChunkEvent event(String singleQuoted) throws UpstreamJson.Malformed {
        byte[] data = json(singleQuoted);
        return AnswerReader.chunkEvent(data, 0, data.length);
    }

    /** Counts characters, so that the completion count is the length of the text added. */
    private static Counting characters() {
        return new Counting((model, text) -> text.length(), REQUEST);
    }

    private static ChatCompletion completion(String singleQuoted, Counting tokens) throws UpstreamJson.Malformed {
        byte[] body = json(singleQuoted);
        return AnswerReader.completion(body, 0, body.length, CLOCK, tokens);
    }

    private static Optional<TokenUsage> usage(String json) throws UpstreamJson.Malformed {
        byte[] event = ("{\"usage\":" + json + "}").getBytes(StandardCharsets.UTF_8);
        return AnswerReader.chunkEvent(event, 0, event.length).usage();
    }

    @Test
    void chunk_isReadWhateverTheFieldOrder_andSkipsUnknownNesting() throws Exception {
        Counting tokens = characters();
        AnswerReader.ChunkEvent event = event("{'choices':[{'logprobs':{'content':[{'token':'x','top_logprobs':[{'a':[1,{}]}]}]},"
                + "'finish_reason':null,'delta':{'content':' water','role':'assistant'},'index':1}],"
                + "'usage':null,'x':[[{}],{'y':{'z':[]}}],'id':'chatcmpl-1','created':1,'error':null}");

        assertEquals(Optional.empty(), event.error());
        assertEquals(Optional.empty(), event.usage());
        assertEquals(Optional.of(new ChatChunk(List.of(new ChunkChoice(1, Optional.of("assistant"), Optional.of(" water"),
                Optional.empty(), Map.of())))), event.chunk(tokens));
        assertEquals(6, tokens.usage().completionTokens());
    }

    @Test
    void chunk_choiceWithoutDelta_orWithANonObjectOne_hasNoRoleOrContent() throws Exception {
        Optional<ChatChunk> chunk = event("{'choices':[{'index':0,'finish_reason':'stop'},{'delta':'text','finish_reason':7}]}")
                .chunk(characters());

        assertEquals(List.of(ChunkChoice.finish(0, "stop"),
                new ChunkChoice(1, Optional.empty(), Optional.empty(), Optional.empty(), Map.of())), chunk.orElseThrow().choices());
    }

    @Test
    void chunk_lastOfARepeatedNameWins_andExtrasKeepTheirFirstPlace() throws Exception {
        Optional<ChatChunk> chunk = event("{'choices':5,'choices':[{'index':9,'index':'2','delta':{'content':'a','tool_calls':1,"
                + "'refusal':null,'tool_calls':[{'index':0,'function':{'name':'f','arguments':'{}'}}],'content':'b'},"
                + "'delta':{'content':'c','refusal':null,'reasoning_content':'r'}}]}").chunk(characters());

        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("refusal", null);
        delta.put("reasoning_content", "r");
        assertEquals(List.of(new ChunkChoice(0, Optional.empty(), Optional.of("c"), Optional.empty(), delta)),
                chunk.orElseThrow().choices());
        assertEquals(List.of("refusal", "reasoning_content"), List.copyOf(chunk.orElseThrow().choices().getFirst().delta().keySet()));
    }

    @Test
    void chunk_toolCallsAreCarriedAsPlainValues_andTheirTextCounted() throws Exception {
        Counting tokens = characters();
        Optional<ChatChunk> chunk = event("{'choices':[{'index':0,'delta':{'tool_calls':[{'index':0,'id':'call_1','type':'function',"
                + "'function':{'name':'get','arguments':'{\\'a\\':1}'}},{'big':12345678901234567890,'f':1.5,'l':4294967296,"
                + "'t':true,'n':null}]}}]}").chunk(tokens);

        List<?> calls = (List<?>) chunk.orElseThrow().choices().getFirst().delta().get("tool_calls");
        assertEquals(Map.of("index", 0, "id", "call_1", "type", "function", "function", Map.of("name", "get", "arguments", "{\"a\":1}")),
                calls.get(0));
        Map<?, ?> values = (Map<?, ?>) calls.get(1);
        assertEquals(new BigInteger("12345678901234567890"), values.get("big"));
        assertEquals(1.5, values.get("f"));
        assertEquals(4294967296L, values.get("l"));
        assertEquals(Boolean.TRUE, values.get("t"));
        assertTrue(values.containsKey("n"));
        assertEquals("get".length() + "{\"a\":1}".length(), tokens.usage().completionTokens());
    }

    @Test
    void chunk_indexOutOfIntRangeIsThePosition_andAFloatIsTruncated() throws Exception {
        Optional<ChatChunk> chunk = event("{'choices':[{'index':2147483648,'delta':{}},{'index':3.9},{'index':null}]}").chunk(characters());

        assertEquals(List.of(0, 3, 2), chunk.orElseThrow().choices().stream().map(ChunkChoice::index).toList());
    }

    @Test
    void chunk_usageOnlyEvents_andEmptyChoices_haveNoChunk() throws Exception {
        AnswerReader.ChunkEvent usageOnly = event("{'choices':[],'usage':{'completion_tokens':4,'total_tokens':7,'prompt_tokens':3}}");
        assertEquals(Optional.of(new TokenUsage(3, 4)), usageOnly.usage());
        assertEquals(Optional.empty(), usageOnly.chunk(characters()));
        assertEquals(Optional.empty(), event("{'choices':null}").chunk(characters()));
        assertEquals(Optional.empty(), event("{}").chunk(characters()));
        assertEquals(Optional.empty(), event("{'usage':{'prompt_tokens':3,'completion_tokens':9223372036854775808}}").usage());
        assertEquals(Optional.empty(), event("{'usage':{'prompt_tokens':3,'completion_tokens':4},'usage':null}").usage());
    }

    @Test
    void usage_mustHaveNonNegativeWholeCounts() throws Exception {
        assertEquals(Optional.of(new TokenUsage(3, 4)), usage("{\"prompt_tokens\":3,\"completion_tokens\":4}"));
        assertEquals(Optional.empty(), usage("{\"prompt_tokens\":-3,\"completion_tokens\":4}"));
        assertEquals(Optional.empty(), usage("{\"prompt_tokens\":3}"));
        assertEquals(Optional.empty(), usage("{\"prompt_tokens\":3.5,\"completion_tokens\":4}"));
        assertEquals(Optional.empty(), usage("{\"prompt_tokens\":\"3\",\"completion_tokens\":4}"));
        assertEquals(Optional.empty(), usage("null"));
    }

    @Test
    void chunk_anErrorIsReportedBeforeMalformedChoices() throws Exception {
        AnswerReader.ChunkEvent event = event("{'choices':5,'error':{'message':'slow down','code':' 429 '}}");
        assertEquals(Optional.of("slow down"), event.error());
        assertEquals(429, event.errorStatus());

        AnswerReader.ChunkEvent unnamed = event("{'error':{'code':500,'details':[1,2]},'choices':[]}");
        assertEquals(Optional.of("the upstream reported an error"), unnamed.error());
        assertEquals(0, unnamed.errorStatus());
        assertEquals(Optional.of("overloaded"), event("{'error':'overloaded'}").error());
    }

    @Test
    void chunk_malformedChoicesFail_afterTheUsageAndTheChoicesBeforeThem() throws Exception {
        Counting tokens = characters();
        AnswerReader.ChunkEvent event = event("{'usage':{'prompt_tokens':1,'completion_tokens':2},"
                + "'choices':[{'delta':{'content':'abc'}},'not a choice',{'delta':{'content':'never'}}]}");

        assertEquals(Optional.of(new TokenUsage(1, 2)), event.usage());
        UpstreamJson.Malformed malformed = assertThrows(UpstreamJson.Malformed.class, () -> event.chunk(tokens));
        assertEquals("a choice is not an object", malformed.getMessage());
        assertEquals(3, tokens.usage().completionTokens());
        assertEquals("choices is not an array", assertThrows(UpstreamJson.Malformed.class,
                () -> event("{'choices':{'0':{}}}").chunk(characters())).getMessage());
    }

    @Test
    void documentsThatAreNotJsonObjects_failAsBeforeWhereverTheFault() {
        assertEquals("expected a JSON object", assertThrows(UpstreamJson.Malformed.class, () -> event("[1,2]")).getMessage());
        assertEquals("expected a JSON object", assertThrows(UpstreamJson.Malformed.class, () -> event("")).getMessage());
        assertEquals("not JSON: JsonParseException", assertThrows(UpstreamJson.Malformed.class, () -> event("[1,")).getMessage());
        assertEquals("not JSON: JsonEOFException", assertThrows(UpstreamJson.Malformed.class, () -> event("'unterminated")).getMessage());
        assertEquals("not JSON: JsonParseException",
                assertThrows(UpstreamJson.Malformed.class, () -> event("{'choices': [ this is not json")).getMessage());
        // A fault in a skipped field still fails the document, as it failed the tree.
        assertEquals("not JSON: JsonParseException", assertThrows(UpstreamJson.Malformed.class,
                () -> event("{'choices':[],'logprobs':{'a':[1,}]}")).getMessage());
        assertEquals("not JSON: StreamConstraintsException", assertThrows(UpstreamJson.Malformed.class,
                () -> event("{'x':" + "[".repeat(300) + "]".repeat(300) + "}")).getMessage());
        assertEquals("not JSON: JsonParseException", assertThrows(UpstreamJson.Malformed.class,
                () -> completion("{'choices':[],'x':'a\u0001b'}", characters())).getMessage());
    }

    @Test
    void completion_isReadWhateverTheFieldOrder() throws Exception {
        ChatCompletion completion = completion("{'usage':{'prompt_tokens':11,'completion_tokens':5},'choices':[{'finish_reason':'stop',"
                + "'logprobs':{'content':[]},'message':{'refusal':null,'content':'Hello','role':'assistant'},'index':0}],"
                + "'model':'m-1','object':'chat.completion','created':1732800000,'id':'chatcmpl-x'}", characters());

        Map<String, Object> message = new LinkedHashMap<>();
        message.put("refusal", null);
        assertEquals(new ChatCompletion("chatcmpl-x", 1_732_800_000L, "m-1",
                List.of(new Choice(0, Optional.of("Hello"), "stop", message)), new TokenUsage(11, 5)), completion);
    }

    @Test
    void completion_withoutIdCreatedModelOrValidUsage_getsThemFromTheGateway() throws Exception {
        Counting tokens = characters();
        ChatCompletion completion = completion("{'id':'  ','created':'soon','model':3,'usage':{'prompt_tokens':-1,'completion_tokens':2},"
                + "'choices':[{'message':{'content':'four','tool_calls':[{'function':{'name':'fn','arguments':'xy'}}]}},{'message':null}]}",
                tokens);

        assertTrue(completion.id().startsWith("chatcmpl-"));
        assertEquals(1_700_000_000L, completion.created());
        assertEquals("", completion.model());
        assertEquals(new TokenUsage(tokens.usage().promptTokens(), 8), completion.usage());
        assertEquals(List.of(0, 1), completion.choices().stream().map(Choice::index).toList());
        assertEquals(new Choice(1, Optional.empty(), null, Map.of()), completion.choices().get(1));
    }

    @Test
    void completion_faultsAreReportedInTheirOrder() {
        assertEquals("the upstream answered an error with a success status", assertThrows(UpstreamJson.Malformed.class,
                () -> completion("{'choices':5,'error':{'message':'x'}}", characters())).getMessage());
        assertEquals("no choices array", assertThrows(UpstreamJson.Malformed.class,
                () -> completion("{'error':null,'choices':null}", characters())).getMessage());
        assertEquals("no choices array", assertThrows(UpstreamJson.Malformed.class,
                () -> completion("{'id':'x'}", characters())).getMessage());
        assertEquals("a choice is not an object", assertThrows(UpstreamJson.Malformed.class,
                () -> completion("{'choices':[{'message':{'content':'a'}},[]]}", characters())).getMessage());
    }
}
