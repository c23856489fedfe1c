package io.gpucloud.adapters.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A {@code REDIS_URL} as operators paste it: {@code redis://[[user]:password@]host[:port][/db]}, or
 * {@code rediss://} for TLS. User and password are percent-decoded; a lone user-info part without
 * a colon is taken as the password (as Lettuce and most hosted providers read it). The query
 * {@code ?ssl_cert_reqs=none} (Heroku's form) turns certificate verification off for self-signed
 * TLS endpoints. Railway's public proxy URLs ({@code redis://default:pw@x.proxy.rlwy.net:12345})
 * are plain {@code redis://} URLs.
 *
 * <p>{@link #toString()} never shows the password: use it (or {@link #describe()}) in logs.
 */
public record RedisUrl(boolean tls, Optional<String> username, Optional<String> password, String host, int port,
                       int database, boolean verifyPeer) {
    public static final int DEFAULT_PORT = 6379;

    public RedisUrl {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("REDIS_URL needs a host");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("REDIS_URL port must be 1-65535, was " + port);
        }
        if (database < 0) {
            throw new IllegalArgumentException("REDIS_URL database must not be negative");
        }
        if (username == null || password == null) {
            throw new IllegalArgumentException("username and password must be present or empty");
        }
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} with a message that never contains the password. */
    public static RedisUrl parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("REDIS_URL is empty");
        }
        String trimmed = text.strip();
        int schemeEnd = trimmed.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException("REDIS_URL must start with redis:// or rediss://");
        }
        String scheme = trimmed.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        boolean tls = switch (scheme) {
            case "redis" -> false;
            case "rediss" -> true;
            default -> throw new IllegalArgumentException("REDIS_URL must start with redis:// or rediss://, not " + scheme + "://");
        };
        String rest = trimmed.substring(schemeEnd + 3);

        // The host part never contains '@', so the last one ends the user info (passwords may hold '@', '/', '?' unescaped).
        int at = rest.lastIndexOf('@');
        Optional<String> username = Optional.empty();
        Optional<String> password = Optional.empty();
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = nonEmpty(decode(userInfo, "password"));
            } else {
                username = nonEmpty(decode(userInfo.substring(0, colon), "user"));
                password = nonEmpty(decode(userInfo.substring(colon + 1), "password"));
            }
        }

        String query = "";
        int question = rest.indexOf('?');
        if (question >= 0) {
            query = rest.substring(question + 1);
            rest = rest.substring(0, question);
        }
        String path = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            path = rest.substring(slash + 1);
            rest = rest.substring(0, slash);
        }

        String host;
        String portText = "";
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("REDIS_URL has an unclosed IPv6 address");
            }
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException("REDIS_URL has text after the IPv6 address");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon >= 0 ? rest.substring(0, colon) : rest;
            portText = colon >= 0 ? rest.substring(colon + 1) : "";
        }
        int port = portText.isEmpty() ? DEFAULT_PORT : number(portText, "port");
        int database = path.isEmpty() ? 0 : number(path, "database");
        boolean verifyPeer = !query.toLowerCase(Locale.ROOT).contains("ssl_cert_reqs=none");
        return new RedisUrl(tls, username, password, host, port, database, verifyPeer);
    }

    /** The URL without the password, for logs and error messages. */
    public String describe() {
        StringBuilder text = new StringBuilder(tls ? "rediss://" : "redis://");
        if (username.isPresent() || password.isPresent()) {
            text.append(username.orElse(""));
            password.ifPresent(ignored -> text.append(":***"));
            text.append('@');
        }
        text.append(host.contains(":") ? "[" + host + "]" : host).append(':').append(port);
        if (database != 0) {
            text.append('/').append(database);
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return describe();
    }

    RedisURI toLettuce(Duration timeout) {
        RedisURI.Builder builder = RedisURI.Builder.redis(host, port)
                .withSsl(tls)
                .withDatabase(database)
                .withTimeout(timeout)
                .withClientName("gpucloud");
        if (tls) {
            builder.withVerifyPeer(verifyPeer ? SslVerifyMode.FULL : SslVerifyMode.NONE);
        }
        if (password.isPresent()) {
            if (username.isPresent()) {
                builder.withAuthentication(username.get(), password.get());
            } else {
                builder.withPassword(password.get().toCharArray());
            }
        }
        return builder.build();
    }

    private static Optional<String> nonEmpty(String value) {
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static int number(String text, String what) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("REDIS_URL " + what + " must be a number");
        }
        return Integer.parseInt(text);
    }

    /** Percent-decoding as in URIs: {@code %XX} to UTF-8 bytes, {@code +} kept as is. */
    private static String decode(String text, String what) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw new IllegalArgumentException("REDIS_URL " + what + " has a broken %-escape");
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw new IllegalArgumentException("REDIS_URL " + what + " has a broken %-escape");
                }
                bytes.write(high << 4 | low);
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
