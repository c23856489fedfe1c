package io.gpucloud.adapters.http.upstream;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseParserTest {
    private final List<String> events = new ArrayList<>();
    private final SseParser.Events collect = (data, length) -> events.add(new String(data, 0, length, StandardCharsets.UTF_8));

    private void feed(SseParser parser, String text) throws Exception {
        parser.feed(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), collect);
    }

    @Test
    void events_endAtABlankLine_whateverTheLineEndings() throws Exception {
        SseParser parser = new SseParser(1024);

        feed(parser, "data: {\"a\":1}\n\ndata: {\"b\":2}\r\n\r\ndata: {\"c\":3}\r\rdata: [DONE]\n\n");

        assertEquals(List.of("{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "[DONE]"), events);
    }

    @Test
    void bytesArrivingOneAtATime_giveTheSameEvents_multiByteCharactersIncluded() throws Exception {
        SseParser parser = new SseParser(1024);
        byte[] stream = "data: {\"t\":\"héllo 🌍\"}\r\n\r\n: keep-alive\n\nevent: message\ndata: x\n\n".getBytes(StandardCharsets.UTF_8);

        for (byte b : stream) {
            parser.feed(ByteBuffer.wrap(new byte[]{b}), collect);
        }

        assertEquals(List.of("{\"t\":\"héllo 🌍\"}", "x"), events);
    }

    @Test
    void dataLinesOfOneEvent_areJoinedWithNewlines_andTheSpaceAfterTheColonIsOptional() throws Exception {
        SseParser parser = new SseParser(1024);

        feed(parser, "data:first\ndata:  second\nid: 7\n\n");

        assertEquals(List.of("first\n second"), events);
    }

    @Test
    void lastEventWithoutItsBlankLine_countsWhenTheBodyEnds() throws Exception {
        SseParser parser = new SseParser(1024);
        feed(parser, "data: [DONE]");

        parser.finish(collect);

        assertEquals(List.of("[DONE]"), events);
    }

    @Test
    void lineOverTheLimit_stopsTheParse() {
        SseParser parser = new SseParser(1024);

        assertThrows(SseParser.TooLong.class, () -> feed(parser, "data: " + "x".repeat(1100) + "\n\n"));
    }

    @Test
    void eventOverTheLimit_stopsTheParse_evenInShortLines() {
        SseParser parser = new SseParser(1024);

        assertThrows(SseParser.TooLong.class, () -> feed(parser, ("data: " + "x".repeat(100) + "\n").repeat(20)));
    }

    @Test
    void aParserBetweenEvents_holdsNoBuffer_andOneMidEvent_keepsItsOwn() throws Exception {
        SseParser cut = new SseParser(1024);
        SseParser whole = new SseParser(1024);

        feed(cut, "data: {\"a\":\"hel");
        feed(whole, "data: {\"b\":1}\n\n");
        feed(whole, "data: {\"b\":2}\n\n");
        boolean cutHoldsMidEvent = cut.holdsBuffers();
        feed(cut, "lo\"}\n\n");

        assertTrue(cutHoldsMidEvent);
        assertFalse(whole.holdsBuffers());
        assertFalse(cut.holdsBuffers());
        assertEquals(List.of("{\"b\":1}", "{\"b\":2}", "{\"a\":\"hello\"}"), events);
    }

    @Test
    void parsersTakingTurnsOnOneThread_shareBuffers_withoutMixingTheirEvents() throws Exception {
        SseParser first = new SseParser(1024);
        SseParser second = new SseParser(1024);

        for (int i = 0; i < 50; i++) {
            feed(i % 2 == 0 ? first : second, "data: " + "x".repeat(i) + i + "\n\n");
        }

        for (int i = 0; i < 50; i++) {
            assertEquals("x".repeat(i) + i, events.get(i));
        }
    }
}
