package io.gpucloud.adapters.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.BooleanOutput;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.ObjectOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}); when Redis does not know it yet (first use, a
 * restart, {@code SCRIPT FLUSH}) it is sent once in full ({@code EVAL}, which also caches it).
 */
public final class LuaScript {
    private final String source;
    private final String sha;

    private LuaScript(String source) {
        this.source = source;
        try {
            this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-1 is required by every JDK", impossible);
        }
    }

    /** Loads a script stored as a class-path resource next to {@code owner}. */
    public static LuaScript fromResource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + name + " next to " + owner.getName());
            }
            return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    public <T> CompletionStage<T> run(RedisConnection redis, ScriptOutputType type, String[] keys, String... args) {
        return redis.<T>run(commands -> commands.dispatch(CommandType.EVALSHA, output(type), arguments(sha, keys, args)))
                .exceptionallyCompose(failure -> RedisConnection.unwrap(failure) instanceof RedisNoScriptException
                        ? redis.<T>run(commands -> commands.dispatch(CommandType.EVAL, output(type), arguments(source, keys, args)))
                        : CompletableFuture.failedStage(failure));
    }

    /**
     * The keys and arguments as plain strings, written straight into the command's buffer as UTF-8. Lettuce's
     * {@code evalsha(sha, type, keys, values)} passes each through the codec into a buffer of its own and copies it
     * over: a temporary direct buffer per key and argument, 12% of the gateway's CPU with the quota on Redis
     * (async-profiler). The server cannot tell the two apart; only Redis Cluster's routing reads which are keys.
     */
    private static CommandArgs<String, String> arguments(String scriptOrSha, String[] keys, String[] args) {
        CommandArgs<String, String> arguments = new CommandArgs<>(StringCodec.UTF8).add(scriptOrSha).add(keys.length);
        for (String key : keys) {
            arguments.add(key);
        }
        for (String arg : args) {
            arguments.add(arg);
        }
        return arguments;
    }

    /** The reply's decoder, as Lettuce's own {@code eval} picks it. */
    @SuppressWarnings("unchecked")
    private static <T> CommandOutput<String, String, T> output(ScriptOutputType type) {
        StringCodec codec = StringCodec.UTF8;
        return (CommandOutput<String, String, T>) switch (type) {
            case BOOLEAN -> new BooleanOutput<>(codec);
            case INTEGER -> new IntegerOutput<>(codec);
            case STATUS -> new StatusOutput<>(codec);
            case MULTI -> new NestedMultiOutput<>(codec);
            case VALUE -> new ValueOutput<>(codec);
            case OBJECT -> new ObjectOutput<>(codec);
        };
    }

    public String sha() {
        return sha;
    }
}
