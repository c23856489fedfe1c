package io.gpucloud.adapters.http.upstream;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads a {@code text/event-stream} incrementally, as its bytes arrive in arbitrary slices: lines
 * end with LF, CRLF or CR; the {@code data:} lines of an event are joined with LF and handed over
 * at the blank line that ends it; comments and other fields ({@code event:}, {@code id:},
 * {@code retry:}) are skipped. A line or an event over the limit stops the parse. Not thread-safe:
 * one response's content callbacks are sequential.
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

    private final int maxBytes;
    private byte[] line = new byte[1024];
    private int lineLength;
    private byte[] data = new byte[1024];
    private int dataLength;
    private boolean hasData;
    private boolean afterCarriageReturn;

    SseParser(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    void feed(ByteBuffer bytes, Events events) throws Exception {
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
