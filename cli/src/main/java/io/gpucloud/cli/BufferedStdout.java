package io.gpucloud.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.concurrent.TimeUnit;

/**
 * Standard output for {@code gpucloud serve}: buffered, and written to the file descriptor at most
 * every {@value #FLUSH_MILLIS} ms (or when {@value #BUFFER_BYTES} bytes are waiting) by a daemon
 * thread, instead of once per line.
 *
 * <p>Why: the logger (slf4j-simple) flushes after every line, and the access log writes a line per
 * request from Undertow's IO threads, so every request paid a {@code write(2)} on the IO thread (a
 * few microseconds, and a stall whenever the reader of standard output is slow). Lines are still
 * written whole and in order; they reach the terminal or the platform's log collector within
 * {@value #FLUSH_MILLIS} ms. What a crash ({@code kill -9}) can lose is at most that much output;
 * a normal stop writes everything ({@link #flushNow} runs at the end of {@code serve}).
 */
final class BufferedStdout extends OutputStream {
    static final int BUFFER_BYTES = 64 * 1024;
    static final long FLUSH_MILLIS = 20;

    private final OutputStream target;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int count;

    private BufferedStdout(OutputStream target) {
        this.target = target;
    }

    /** Replaces {@code System.out}; returns the stream, whose {@link #flushNow} writes what is waiting. */
    static BufferedStdout install() {
        System.out.flush();
        BufferedStdout stdout = new BufferedStdout(new FileOutputStream(FileDescriptor.out));
        Charset charset = System.out.charset();
        System.setOut(new PrintStream(stdout, false, charset));
        Thread.ofPlatform().name("stdout-flusher").daemon(true).start(() -> {
            while (true) {
                try {
                    TimeUnit.MILLISECONDS.sleep(FLUSH_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
                stdout.flushNow();
            }
        });
        return stdout;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (count == buffer.length) {
            drain();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        if (length > buffer.length - count) {
            drain();
        }
        if (length >= buffer.length) {
            target.write(bytes, offset, length);
            return;
        }
        System.arraycopy(bytes, offset, buffer, count, length);
        count += length;
    }

    /** A no-op: the logger flushes after every line; the flusher thread writes what is waiting within {@value #FLUSH_MILLIS} ms. */
    @Override
    public void flush() {
    }

    /** Writes everything waiting now. */
    synchronized void flushNow() {
        try {
            drain();
            target.flush();
        } catch (IOException unwritable) {
            // Standard output is gone (a closed pipe): nothing to tell anyone, and no reason to stop serving.
            count = 0;
        }
    }

    private void drain() throws IOException {
        if (count > 0) {
            int waiting = count;
            count = 0;
            target.write(buffer, 0, waiting);
        }
    }
}
