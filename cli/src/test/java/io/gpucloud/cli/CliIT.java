package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.TestDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliIT {
    private static final Pattern SECRET = Pattern.compile("sk-gc-[0-9A-Za-z]{49}");
    private static final Pattern KEY_ID = Pattern.compile("Created key ([0-9a-f-]{36})");
    private static Map<String, String> env;

    @BeforeAll
    static void freshDatabase() {
        env = Cli.environmentFor(TestDatabase.createDatabase());
        env.put("RUN_MIGRATIONS", "0");
    }

    @Test
    void help_listsEveryCommandAndExitsZero() {
        Cli.Result result = Cli.run(Map.of(), "--help");
        assertEquals(0, result.exitCode());
        for (String command : new String[] {"serve", "migrate", "keys", "healthcheck"}) {
            assertTrue(result.out().contains(command), command + " missing from:\n" + result.out());
        }
        assertEquals(0, Cli.run(Map.of(), "keys", "create", "--help").exitCode());
    }

    @Test
    void badUsage_exitsTwoWithOneLine() {
        assertEquals(2, Cli.run(Map.of(), "no-such-command").exitCode());
        assertEquals(2, Cli.run(env, "keys", "create").exitCode());
        Cli.Result badRpm = Cli.run(env, "keys", "create", "--name", "x", "--rpm", "0");
        assertEquals(2, badRpm.exitCode());
        assertTrue(badRpm.err().contains("rpm"), badRpm.err());
        assertEquals(2, Cli.run(env, "keys", "revoke", "not-an-id").exitCode());
    }

    @Test
    void badConfiguration_namesTheVariableWithoutAStackTrace() {
        Map<String, String> bad = new HashMap<>(env);
        bad.put("PORT", "eighty");
        Cli.Result result = Cli.run(bad, "keys", "list");
        assertEquals(2, result.exitCode());
        assertTrue(result.err().contains("PORT"), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
    }

    @Test
    void serveStartedWithoutTheParser_reportsBadConfigurationLikeEveryCommand() {
        Map<String, String> bad = new HashMap<>(env);
        bad.put("PORT", "eighty");
        StringWriter err = new StringWriter();
        int exit = GpuCloudCli.run(new String[] {"serve"}, bad, new PrintWriter(err, true));
        assertEquals(2, exit);
        assertTrue(err.toString().startsWith("gpucloud: configuration error:") && err.toString().contains("PORT"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
    }

    @Test
    void unreachableDatabase_failsWithExitOneAndNoPassword() {
        Map<String, String> down = new HashMap<>();
        down.put("DATABASE_URL", "postgresql://app:s3cr%40t@127.0.0.1:1/nowhere");
        down.put("RUN_MIGRATIONS", "1");
        // The wait is bounded by the CLI's 60 s; a closed port fails each attempt at once, so keep it short.
        Cli.Result result = Cli.run(down, "migrate");
        assertEquals(1, result.exitCode());
        assertFalse(result.err().contains("s3cr"), result.err());
    }

    @Test
    void migrateThenKeys_createListRevoke_endToEnd() {
        Cli.Result migrated = Cli.run(env, "migrate");
        assertEquals(0, migrated.exitCode(), migrated.err());
        assertTrue(migrated.out().contains("up to date"), migrated.out());
        Cli.Result again = Cli.run(env, "migrate");
        assertTrue(again.out().contains("(0 migrations applied)"), again.out());

        Cli.Result created = Cli.run(env, "keys", "create", "--name", "ci team", "--rpm", "10", "--tpm", "1000",
                "--budget", "50000", "--models", "gpt-4,gpt-4o", "--expires", "2030-01-01T00:00:00Z");
        assertEquals(0, created.exitCode(), created.err());
        Matcher secret = SECRET.matcher(created.out());
        assertTrue(secret.find(), created.out());
        Matcher id = KEY_ID.matcher(created.out());
        assertTrue(id.find(), created.out());

        Cli.Result table = Cli.run(env, "keys", "list");
        assertEquals(0, table.exitCode());
        assertTrue(table.out().contains("ci team") && table.out().contains("rpm=10") && table.out().contains("active"), table.out());
        assertFalse(table.out().contains(secret.group()));

        Cli.Result json = Cli.run(env, "keys", "list", "--json");
        assertTrue(json.out().startsWith("[{") && json.out().contains("\"monthlyTokenBudget\":50000"), json.out());
        assertFalse(json.out().contains(secret.group()));
        assertFalse(json.out().contains("\"key\""));
        assertFalse(json.out().toLowerCase().contains("hash"));

        assertEquals(0, Cli.run(env, "keys", "revoke", id.group(1)).exitCode());
        assertTrue(Cli.run(env, "keys", "list").out().contains("revoked"));
        assertEquals(1, Cli.run(env, "keys", "revoke", "00000000-0000-0000-0000-000000000000").exitCode());
    }
}
