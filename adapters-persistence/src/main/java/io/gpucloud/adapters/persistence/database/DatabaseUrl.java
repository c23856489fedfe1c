package io.gpucloud.adapters.persistence.database;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the PostgreSQL database is, parsed from what an operator pastes into {@code DATABASE_URL}:
 * {@code postgres://} or {@code postgresql://} URLs (libpq style: percent-encoded user and password, default
 * port 5432, query parameters such as {@code ?sslmode=require}) and {@code jdbc:postgresql:} URLs (user and
 * password as {@code ?user=&password=} parameters, or set with {@link #withUser}/{@link #withPassword}).
 *
 * <p>The password never shows in {@link #toString()}, {@link #describe()}, {@link #jdbcUrl()} or any error
 * message: errors say what is wrong, not what was given. A password may contain {@code @} and {@code :}
 * unencoded; {@code ?}, {@code #} and {@code %} must be percent-encoded ({@code %3F}, {@code %23}, {@code %25}).
 *
 * @param parameters connection parameters for the JDBC driver, in the order given (libpq names that differ
 *                   are translated: {@code connect_timeout}, {@code application_name})
 */
public record DatabaseUrl(String host, int port, String database, Optional<String> user, Optional<String> password,
                          Map<String, String> parameters) {
    public static final int DEFAULT_PORT = 5432;
    private static final Map<String, String> LIBPQ_TO_JDBC = Map.of(
            "connect_timeout", "connectTimeout",
            "application_name", "ApplicationName");

    public DatabaseUrl {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("database URL has no host");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("database URL port must be a number from 1 to 65535");
        }
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("database URL has no database name");
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Map<String, String> ordered = new LinkedHashMap<>(parameters);
        if (ordered.containsKey("user") || ordered.containsKey("password")) {
            throw new IllegalArgumentException("user and password are not connection parameters");
        }
        parameters = Collections.unmodifiableMap(ordered);
    }

    /** Parses {@code postgres://}, {@code postgresql://} and {@code jdbc:postgresql:} URLs. */
    public static DatabaseUrl parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("database URL is empty");
        }
        String trimmed = text.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        for (String scheme : new String[] {"postgres://", "postgresql://"}) {
            if (lower.startsWith(scheme)) {
                return parseHierarchical(trimmed.substring(scheme.length()), false);
            }
        }
        if (lower.startsWith("jdbc:postgresql://")) {
            return parseHierarchical(trimmed.substring("jdbc:postgresql://".length()), true);
        }
        if (lower.startsWith("jdbc:postgresql:")) {
            return parseHierarchical("localhost/" + trimmed.substring("jdbc:postgresql:".length()), true);
        }
        throw new IllegalArgumentException("database URL must start with postgres://, postgresql:// or jdbc:postgresql:");
    }

    /**
     * {@code rest} is what follows {@code scheme://}: {@code [user[:password]@]host[:port][/database][?k=v&…]}.
     * The credentials end at the last {@code @} before the first {@code ?}, so a password may hold {@code @}.
     */
    private static DatabaseUrl parseHierarchical(String rest, boolean jdbc) {
        int fragment = rest.indexOf('#');
        String url = fragment >= 0 ? rest.substring(0, fragment) : rest;
        int firstQuestion = url.indexOf('?');
        int at = url.lastIndexOf('@', firstQuestion >= 0 ? firstQuestion : url.length());
        Optional<String> user = Optional.empty();
        Optional<String> password = Optional.empty();
        if (at >= 0) {
            String userInfo = url.substring(0, at);
            int colon = userInfo.indexOf(':');
            user = nonEmpty(decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo, jdbc));
            password = colon >= 0 ? nonEmpty(decode(userInfo.substring(colon + 1), jdbc)) : Optional.empty();
        }
        String afterCredentials = url.substring(at + 1);
        int hostEnd = indexOfAny(afterCredentials, "/?");
        String hostAndPort = afterCredentials.substring(0, hostEnd);
        String pathAndQuery = afterCredentials.substring(hostEnd);
        int question = pathAndQuery.indexOf('?');
        String path = question >= 0 ? pathAndQuery.substring(0, question) : pathAndQuery;
        String query = question >= 0 ? pathAndQuery.substring(question + 1) : "";

        Map<String, String> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String key = decode(equals >= 0 ? pair.substring(0, equals) : pair, jdbc);
            String value = equals >= 0 ? decode(pair.substring(equals + 1), jdbc) : "";
            switch (key) {
                case "user" -> user = nonEmpty(value);
                case "password" -> password = nonEmpty(value);
                default -> parameters.put(LIBPQ_TO_JDBC.getOrDefault(key, key), value);
            }
        }

        String database = decode(path.startsWith("/") ? path.substring(1) : path, jdbc);
        if (database.isEmpty()) {
            database = user.orElse("postgres"); // libpq's default: the database named after the user
        }
        String[] host = hostAndPort(hostAndPort);
        return new DatabaseUrl(host[0], port(host[1]), database, user, password, parameters);
    }

    /** {@code [host, port text]}; an empty host means this machine, as for libpq and the JDBC driver. */
    private static String[] hostAndPort(String text) {
        if (text.contains(",")) {
            throw new IllegalArgumentException("database URL names several hosts; give one");
        }
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("database URL has an unclosed [IPv6 address]");
            }
            String after = text.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new IllegalArgumentException("database URL has text after its [IPv6 address]");
            }
            return new String[] {text.substring(1, close), after.isEmpty() ? "" : after.substring(1)};
        }
        int colon = text.indexOf(':');
        if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("database URL host is malformed (write IPv6 addresses in [brackets])");
        }
        String host = colon >= 0 ? text.substring(0, colon) : text;
        if (!host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
            throw new IllegalArgumentException("database URL host is malformed (percent-encode ?, # and % in the password)");
        }
        return new String[] {host.isEmpty() ? "localhost" : host, colon >= 0 ? text.substring(colon + 1) : ""};
    }

    private static int port(String text) {
        if (text.isEmpty()) {
            return DEFAULT_PORT;
        }
        if (text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("database URL port must be a number from 1 to 65535");
        }
        return Integer.parseInt(text);
    }

    /**
     * Percent-decodes as UTF-8. A {@code %} not followed by two hex digits stays as it is; {@code +} means a
     * space only in JDBC URLs (the driver decodes them that way), never in libpq URLs.
     */
    private static String decode(String text, boolean plusIsSpace) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && hex(text.charAt(i + 1)) >= 0 && hex(text.charAt(i + 2)) >= 0) {
                bytes.write(hex(text.charAt(i + 1)) * 16 + hex(text.charAt(i + 2)));
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < text.length()) {
                    encoded = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.writeBytes(encoded);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return text.length();
    }

    private static Optional<String> nonEmpty(String value) {
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** The same server and credentials, another database on it. */
    public DatabaseUrl withDatabase(String name) {
        return new DatabaseUrl(host, port, name, user, password, parameters);
    }

    /** Sets the user, e.g. from a separate setting next to a {@code jdbc:postgresql:} URL. */
    public DatabaseUrl withUser(String name) {
        return new DatabaseUrl(host, port, database, Optional.of(name).filter(n -> !n.isEmpty()), password, parameters);
    }

    /** Sets the password, e.g. from a separate secret next to a {@code jdbc:postgresql:} URL. */
    public DatabaseUrl withPassword(String secret) {
        return new DatabaseUrl(host, port, database, user, Optional.of(secret).filter(s -> !s.isEmpty()), parameters);
    }

    /** The URL for the JDBC driver, without user and password (those go to the pool separately). */
    public String jdbcUrl() {
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostForUrl()).append(':').append(port)
                .append('/').append(encode(database));
        char separator = '?';
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            url.append(separator).append(encode(parameter.getKey())).append('=').append(encode(parameter.getValue()));
            separator = '&';
        }
        return url.toString();
    }

    /** {@code [user@]host:port/database}: for logs and error messages; never the password. */
    public String describe() {
        return user.map(name -> name + "@").orElse("") + hostForUrl() + ":" + port + "/" + database;
    }

    private String hostForUrl() {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "DatabaseUrl[" + describe() + (password.isPresent() ? ", password set" : "") + "]";
    }
}
