package io.gpucloud.adapters.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;

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
        return redis.<T>run(commands -> commands.evalsha(sha, type, keys, args))
                .exceptionallyCompose(failure -> RedisConnection.unwrap(failure) instanceof RedisNoScriptException
                        ? redis.<T>run(commands -> commands.eval(source, type, keys, args))
                        : CompletableFuture.failedStage(failure));
    }

    public String sha() {
        return sha;
    }
}
