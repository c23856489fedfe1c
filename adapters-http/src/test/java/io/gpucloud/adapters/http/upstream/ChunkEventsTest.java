package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One parser for a whole stream reads every event as the single-document reader does, faults included. */
class ChunkEventsTest {
    private static final ChatRequest REQUEST = ChatRequest.of("m", List.of(ChatMessage.of("user", "hi")));

    private static byte[] json(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    /** What an event reads as, as text: its chunk (or its fault), usage and error. */
    private static String read(AnswerReader.ChunkEvent event) {
        Counting characters = new Counting((model, text) -> text.length(), REQUEST);
        String chunk;
        try {
            chunk = String.valueOf(event.chunk(characters));
        } catch (UpstreamJson.Malformed malformed) {
            chunk = "malformed: " + malformed.getMessage();
        }
        return chunk + " usage=" + event.usage() + " error=" + event.error() + "/" + event.errorStatus()
                + " counted=" + characters.usage().completionTokens();
    }

    private static String single(byte[] data) {
        try {
            return read(AnswerReader.chunkEvent(data, 0, data.length));
        } catch (UpstreamJson.Malformed malformed) {
            return "refused: " + malformed.getMessage();
        }
    }

    private static String next(AnswerReader.ChunkEvents events, byte[] buffer, byte[] data) {
        // The event in the middle of a larger, reused buffer, as the SSE parser hands it over.
        Arrays.fill(buffer, (byte) 'x');
        System.arraycopy(data, 0, buffer, 3, data.length);
        try {
            String read = read(events.next(buffer, 3, data.length));
            Arrays.fill(buffer, (byte) 'y'); // the reader kept nothing of the buffer
            return read;
        } catch (UpstreamJson.Malformed malformed) {
            return "refused: " + malformed.getMessage();
        }
    }

    @Test
    void aStreamOfEvents_readsAsEachEventAlone() {
        List<String> stream = List.of(
                "{'id':'c','object':'chat.completion.chunk','choices':[{'index':0,'delta':{'role':'assistant','content':''}}]}",
                "{'choices':[{'index':0,'delta':{'content':'Hel'},'finish_reason':null}]}  ",
                "{'choices':[{'delta':{'content':'lo','tool_calls':[{'id':'t','function':{'arguments':'{}'}}]},'extra':{'a':[1,2]}}]}",
                "{'choices':[{'index':1,'delta':{},'finish_reason':'stop'}],'usage':null}",
                "{'choices':'not an array'}",
                "{'choices':[7]}",
                "{'choices':[],'usage':{'prompt_tokens':3,'completion_tokens':2,'total_tokens':5}}",
                "{'error':{'message':'overloaded','code':429}}",
                "{'choices':[{'delta':{'content':'after'}}]}");
        AnswerReader.ChunkEvents events = new AnswerReader.ChunkEvents();
        byte[] buffer = new byte[1024];
        for (String event : stream) {
            byte[] data = json(event);
            assertEquals(single(data), next(events, buffer, data), event);
        }
        assertTrue(events.readsWithOneParser(), "every event of a well-formed stream went through the one parser");
    }

    @Test
    void faultyEvents_areDecidedAsAlone_withoutWaitingForMoreInput_andLaterEventsStillRead() {
        List<String> faulty = List.of("{'choices':[{'delta':{'content':'cut", "{'choices':[{", "42", "[1,2]", "",
                "{'a':1} trailing", "{'a':1}{'b':2}", "not json",
                "{'a':1} 'open string}", "{'a':'x'} 5}", "{'a':1} tru}", "{'a':'q\\\\'} 'x}", "{'a':1} {'b':{}}");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int faultAt = 0; faultAt < faulty.size(); faultAt++) {
                AnswerReader.ChunkEvents events = new AnswerReader.ChunkEvents();
                byte[] buffer = new byte[256];
                byte[] good = json("{'choices':[{'delta':{'content':'fine'}}]}");
                assertEquals(single(good), next(events, buffer, good));
                byte[] fault = json(faulty.get(faultAt));
                assertEquals(single(fault), next(events, buffer, fault), faulty.get(faultAt));
                assertEquals(single(good), next(events, buffer, good), "after " + faulty.get(faultAt));
            }
        });
    }

    @Test
    void anEventWithMoreAfterItsObject_isReadAlone_fromThenOn() {
        AnswerReader.ChunkEvents events = new AnswerReader.ChunkEvents();
        byte[] two = json("{'choices':[{'delta':{'content':'a'}}]}{'choices':[{'delta':{'content':'b'}}]}");
        byte[] buffer = new byte[256];
        assertEquals(single(two), next(events, buffer, two));
        assertFalse(events.readsWithOneParser());
    }

    @Test
    void aTruncatedEvent_isRefusedAsAlone() {
        byte[] cut = json("{'choices':[{'delta':{'content':'cut");
        AnswerReader.ChunkEvents events = new AnswerReader.ChunkEvents();
        UpstreamJson.Malformed alone = assertThrows(UpstreamJson.Malformed.class, () -> AnswerReader.chunkEvent(cut, 0, cut.length));
        UpstreamJson.Malformed streamed = assertThrows(UpstreamJson.Malformed.class, () -> events.next(cut, 0, cut.length));
        assertEquals(alone.getMessage(), streamed.getMessage());
    }
}
