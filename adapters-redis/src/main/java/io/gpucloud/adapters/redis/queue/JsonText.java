package io.gpucloud.adapters.redis.queue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plain JSON values (maps, lists, strings, numbers, booleans, null) to text and back, for what the
 * queue stores in Redis. This module has no JSON library (Jackson stays in the HTTP adapter), and
 * the values are the small, already-validated ones of the domain. Integers read back as Integer,
 * Long or BigInteger (the smallest that holds them), other numbers as Double; objects keep their
 * key order.
 */
final class JsonText {
    private static final int MAX_DEPTH = 256;

    private JsonText() {
    }

    static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        write(out, value, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested too deeply");
        }
        switch (value) {
            case null -> out.append("null");
            case String text -> string(out, text);
            case Boolean flag -> out.append(flag);
            case Double number -> finite(out, number);
            case Float number -> finite(out, number.doubleValue());
            case Number number -> out.append(number);
            case Map<?, ?> map -> {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, String.valueOf(entry.getKey()));
                    out.append(':');
                    write(out, entry.getValue(), depth + 1);
                }
                out.append('}');
            }
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(out, list.get(i), depth + 1);
                }
                out.append(']');
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
        }
    }

    private static void finite(StringBuilder out, double number) {
        if (Double.isNaN(number) || Double.isInfinite(number)) {
            throw new IllegalArgumentException("JSON has no " + number);
        }
        out.append(number);
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    static Object parse(String text) {
        Reader reader = new Reader(text);
        reader.space();
        Object value = reader.value(0);
        reader.space();
        if (reader.at < text.length()) {
            throw reader.error("text after the value");
        }
        return value;
    }

    private static final class Reader {
        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested too deeply");
            }
            if (at >= text.length()) {
                throw error("unexpected end");
            }
            char c = text.charAt(at);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> number();
            };
        }

        private Map<String, Object> object(int depth) {
            at++;
            Map<String, Object> map = new LinkedHashMap<>();
            space();
            if (peek() == '}') {
                at++;
                return map;
            }
            while (true) {
                space();
                if (peek() != '"') {
                    throw error("expected a key");
                }
                String key = string();
                space();
                expect(':');
                space();
                map.put(key, value(depth + 1));
                space();
                char next = next();
                if (next == '}') {
                    return Collections.unmodifiableMap(map);
                }
                if (next != ',') {
                    throw error("expected , or }");
                }
            }
        }

        private List<Object> array(int depth) {
            at++;
            List<Object> list = new ArrayList<>();
            space();
            if (peek() == ']') {
                at++;
                return list;
            }
            while (true) {
                space();
                list.add(value(depth + 1));
                space();
                char next = next();
                if (next == ']') {
                    return Collections.unmodifiableList(list);
                }
                if (next != ',') {
                    throw error("expected , or ]");
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char escaped = next();
                switch (escaped) {
                    case '"', '\\', '/' -> out.append(escaped);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (at + 4 > text.length()) {
                            throw error("broken \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text, at, at + 4, 16));
                        } catch (NumberFormatException broken) {
                            throw error("broken \\u escape");
                        }
                        at += 4;
                    }
                    default -> throw error("unknown escape");
                }
            }
        }

        private Object number() {
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            String digits = text.substring(start, at);
            if (digits.isEmpty()) {
                throw error("unexpected character");
            }
            try {
                if (digits.indexOf('.') < 0 && digits.indexOf('e') < 0 && digits.indexOf('E') < 0) {
                    BigInteger whole = new BigInteger(digits);
                    if (whole.bitLength() < 32) {
                        return whole.intValue();
                    }
                    return whole.bitLength() < 64 ? (Object) whole.longValue() : whole;
                }
                return new BigDecimal(digits).doubleValue();
            } catch (NumberFormatException broken) {
                throw error("not a number");
            }
        }

        private Object literal(String word, Object value) {
            if (!text.startsWith(word, at)) {
                throw error("unexpected word");
            }
            at += word.length();
            return value;
        }

        void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private char peek() {
            if (at >= text.length()) {
                throw error("unexpected end");
            }
            return text.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        private void expect(char wanted) {
            if (next() != wanted) {
                throw error("expected " + wanted);
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("malformed JSON at " + at + ": " + what);
        }
    }
}
