package io.gpucloud.adapters.http.upstream;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads a {@code text/event-stream} incrementally, as its bytes arrive in arbitrary slices: lines
 * end with LF, CRLF or CR; the {@code data:} lines of an event are joined with LF and handed over
 * at the blank line that ends it; comments and other fields ({@code event:}, {@code id:},
 * {@code retry:}) are skipped. A line or an event over the limit stops the parse. Not thread-safe:
 * one response's content callbacks are sequential.
 *
 * <p>Between events a parser holds no buffer: upstreams write whole events, so a feed usually ends
 * on an event's blank line, and the two buffers go back to a cache of the thread that fed it (a
 * selector thread carries hundreds of streams). Only a stream whose event is cut across feeds keeps
 * them until the event ends. At 1,000 relayed streams they were 2 KB of the ~18 KB each stream kept
 * live, copied by every young collection.
 */
final class SseParser {
    private static final byte[] DATA = {'d', 'a', 't', 'a', ':'};

    /** Receives each event's data. The array is reused after the call returns. */
    @FunctionalInterface
    interface Events {
        void data(byte[] data, int length) throws Exception;
    }

    /** A line or event longer than the limit. */
    static final class TooLong extends Exception {
        TooLong(int limit) {
            super("an SSE line or event exceeds " + limit + " bytes", null, false, false);
        }
    }

    private static final int INITIAL_BYTES = 1024;
    /** Per thread: buffers of parsers that are between events; taken by a feed, given back when it ends idle. */
    private static final ThreadLocal<Spare> SPARE = ThreadLocal.withInitial(Spare::new);

    private final int maxBytes;
    private byte[] line;
    private int lineLength;
    private byte[] data;
    private int dataLength;
    private boolean hasData;
    private boolean afterCarriageReturn;

    SseParser(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void feed(ByteBuffer bytes, Events events) throws Exception {
        if (line == null) {
            borrowBuffers();
        }
        try {
            parse(bytes, events);
        } finally {
            if (lineLength == 0 && !hasData) {
                returnBuffers();
            }
        }
    }

    private void borrowBuffers() {
        Spare spare = SPARE.get();
        if (spare.line != null) {
            line = spare.line;
            data = spare.data;
            spare.line = null; // a feed from inside a callback (none today) gets buffers of its own
            spare.data = null;
        } else {
            line = new byte[INITIAL_BYTES];
            data = new byte[INITIAL_BYTES];
        }
    }

    private void returnBuffers() {
        Spare spare = SPARE.get();
        if (spare.line == null && line.length == INITIAL_BYTES && data.length == INITIAL_BYTES) {
            spare.line = line;
            spare.data = data;
        }
        line = null;
        data = null;
    }

    /** Whether this parser keeps buffers of its own (only while an event is cut across feeds). */
    boolean holdsBuffers() {
        return line != null;
    }

    private static final class Spare {
        byte[] line;
        byte[] data;
    }

    private void parse(ByteBuffer bytes, Events events) throws Exception {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (afterCarriageReturn) {
                afterCarriageReturn = false;
                if (b == '\n') {
                    continue;
                }
            }
            if (b == '\n' || b == '\r') {
                afterCarriageReturn = b == '\r';
                endOfLine(events);
            } else {
                if (lineLength == maxBytes) {
                    throw new TooLong(maxBytes);
                }
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, Math.min(maxBytes, line.length * 2));
                }
                line[lineLength++] = b;
            }
        }
    }

    /** The body ended: an unterminated last line or event still counts (lenient with sloppy servers). */
    void finish(Events events) throws Exception {
        if (line == null) {
            return; // between events: nothing is pending
        }
        if (lineLength > 0) {
            endOfLine(events);
        }
        if (hasData) {
            dispatch(events);
        }
    }

    private void endOfLine(Events events) throws Exception {
        if (lineLength == 0) {
            if (hasData) {
                dispatch(events);
            }
            return;
        }
        if (startsWithData()) {
            int start = lineLength > DATA.length && line[DATA.length] == ' ' ? DATA.length + 1 : DATA.length;
            int needed = dataLength + (hasData ? 1 : 0) + (lineLength - start);
            if (needed > maxBytes) {
                throw new TooLong(maxBytes);
            }
            if (needed > data.length) {
                data = Arrays.copyOf(data, Math.min(maxBytes, Math.max(needed, data.length * 2)));
            }
            if (hasData) {
                data[dataLength++] = '\n';
            }
            System.arraycopy(line, start, data, dataLength, lineLength - start);
            dataLength += lineLength - start;
            hasData = true;
        }
        lineLength = 0;
    }

    private void dispatch(Events events) throws Exception {
        int length = dataLength;
        dataLength = 0;
        hasData = false;
        events.data(data, length);
    }

    private boolean startsWithData() {
        if (lineLength < DATA.length) {
            return false;
        }
        for (int i = 0; i < DATA.length; i++) {
            if (line[i] != DATA[i]) {
                return false;
            }
        }
        return true;
    }
}
