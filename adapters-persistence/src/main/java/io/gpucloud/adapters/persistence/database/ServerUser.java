package io.gpucloud.adapters.persistence.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Who the embedded server runs as. PostgreSQL refuses to run as root, and containers often run as root; so
 * when this process is root the server runs as {@code nobody} (through {@code setpriv}, else {@code runuser}),
 * and its directory is handed to that user. Otherwise it runs as this process's user and nothing changes hands.
 */
final class ServerUser {
    private static final String UNPRIVILEGED = "nobody";

    private final Optional<Account> account;

    private record Account(int uid, int gid, List<String> prefix) {
    }

    private ServerUser(Optional<Account> account) {
        this.account = account;
    }

    static ServerUser forThisProcess() {
        if (PostgresBinaries.isWindows() || !isRoot()) {
            return new ServerUser(Optional.empty());
        }
        int uid = Integer.parseInt(run(List.of("id", "-u", UNPRIVILEGED)));
        int gid = Integer.parseInt(run(List.of("id", "-g", UNPRIVILEGED)));
        List<String> prefix;
        if (onPath("setpriv")) {
            prefix = List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--");
        } else if (onPath("runuser")) {
            prefix = List.of("runuser", "-u", UNPRIVILEGED, "--");
        } else {
            throw new IllegalStateException("PostgreSQL does not run as root, and neither setpriv nor runuser is "
                    + "installed to run it as " + UNPRIVILEGED + ": run as another user, or set DATABASE_URL");
        }
        return new ServerUser(Optional.of(new Account(uid, gid, prefix)));
    }

    private static boolean isRoot() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        } catch (LinkageError runtimeWithoutJdkSecurityAuth) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    String describe() {
        return account.isPresent() ? UNPRIVILEGED : System.getProperty("user.name", "this user");
    }

    /** {@code command}, run as the server user. */
    List<String> command(List<String> command) {
        List<String> full = new ArrayList<>(account.map(Account::prefix).orElse(List.of()));
        full.addAll(command);
        return full;
    }

    /**
     * Makes {@code directory} and everything in it the server user's, after checking that the user can reach
     * it at all (every parent must let others through).
     */
    void own(Path directory) {
        if (account.isEmpty()) {
            return;
        }
        Account owner = account.get();
        for (Path parent = directory.toAbsolutePath().getParent(); parent != null; parent = parent.getParent()) {
            try {
                PosixFileAttributes attributes = Files.readAttributes(parent, PosixFileAttributes.class);
                if (!attributes.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalStateException("started as root, the embedded PostgreSQL runs as " + UNPRIVILEGED
                            + ", who cannot enter " + parent + ": choose a data directory under a path others may "
                            + "enter (GPUCLOUD_DATA_DIR), run as another user, or set DATABASE_URL");
                }
            } catch (IOException unreadable) {
                throw new UncheckedIOException(unreadable);
            }
        }
        try (Stream<Path> all = Files.walk(directory)) {
            for (Path path : all.toList()) {
                Files.setAttribute(path, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException failure) {
            throw new UncheckedIOException("could not hand " + directory + " to " + UNPRIVILEGED, failure);
        }
    }

    private static boolean onPath(String program) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + ":/usr/sbin:/usr/bin:/sbin:/bin";
        return Stream.of(path.split(":")).filter(dir -> !dir.isEmpty())
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
    }
}
