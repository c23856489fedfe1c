package io.gpucloud.cli;

import io.gpucloud.adapters.persistence.database.DatabaseUrl;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the command line in-process, as the shell would, and captures what it prints. */
final class Cli {
    record Result(int exitCode, String out, String err) {
    }

    private Cli() {
    }

    static Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = GpuCloudCli.newCommandLine(env);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** The environment an operator would set for this database, in the postgres:// form. */
    static Map<String, String> environmentFor(DatabaseUrl url) {
        Map<String, String> env = new HashMap<>();
        String credentials = url.user().map(user -> encode(user) + url.password().map(pw -> ":" + encode(pw)).orElse("") + "@").orElse("");
        env.put("DATABASE_URL", "postgresql://" + credentials + url.host() + ":" + url.port() + "/" + url.database());
        env.put("RUN_MIGRATIONS", "1");
        return env;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
