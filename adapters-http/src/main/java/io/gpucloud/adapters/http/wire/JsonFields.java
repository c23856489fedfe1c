package io.gpucloud.adapters.http.wire;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads the fields of one JSON object from a request, answering every shape problem with an
 * OpenAI-style 400 whose {@code param} is the field's path (e.g. {@code messages[2].content}).
 * A JSON {@code null} reads as absent, as OpenAI treats it.
 */
public final class JsonFields {
    private final JsonNode object;
    private final String path;

    private JsonFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    /** The body's top-level object. */
    public static JsonFields root(JsonNode body) {
        if (!body.isObject()) {
            throw ApiException.invalidRequest("The request body must be a JSON object, but got " + describe(body) + ".",
                    null, "invalid_type");
        }
        return new JsonFields(body, "");
    }

    /** A nested object at {@code param}. */
    public static JsonFields object(JsonNode node, String param) {
        if (!node.isObject()) {
            throw invalidType(param, "an object", node);
        }
        return new JsonFields(node, param + ".");
    }

    public String param(String name) {
        return path + name;
    }

    /** The field's node, or null when absent or JSON null. */
    public JsonNode node(String name) {
        JsonNode value = object.get(name);
        return value == null || value.isNull() ? null : value;
    }

    public Iterator<String> names() {
        return object.fieldNames();
    }

    public void rejectUnknown(Set<String> known) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiException.invalidRequest("Unrecognized request argument supplied: " + param(name) + ".",
                        param(name), "unknown_parameter");
            }
        }
    }

    public String requiredString(String name) {
        return optionalString(name).orElseThrow(() -> missing(param(name)));
    }

    public Optional<String> optionalString(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw invalidType(param(name), "a string", value);
        }
        return Optional.of(value.textValue());
    }

    public Optional<Boolean> optionalBoolean(String name) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            throw invalidType(param(name), "a boolean", value);
        }
        return Optional.of(value.booleanValue());
    }

    /** An integer in {@code [min, max]}. */
    public OptionalLong optionalInteger(String name, long min, long max) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (!value.isIntegralNumber()) {
            throw invalidType(param(name), "an integer", value);
        }
        if (!value.canConvertToLong() || value.longValue() > max) {
            throw ApiException.invalidRequest("Invalid '" + param(name) + "': integer above maximum value. Expected a value <= "
                    + max + ", but got " + value.asText() + " instead.", param(name), "integer_above_max_value");
        }
        if (value.longValue() < min) {
            throw ApiException.invalidRequest("Invalid '" + param(name) + "': integer below minimum value. Expected a value >= "
                    + min + ", but got " + value.asText() + " instead.", param(name), "integer_below_min_value");
        }
        return OptionalLong.of(value.longValue());
    }

    /** A number in {@code [min, max]}. */
    public OptionalDouble optionalNumber(String name, double min, double max) {
        JsonNode value = node(name);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw invalidType(param(name), "a number", value);
        }
        double number = value.doubleValue();
        if (number < min) {
            throw ApiException.invalidRequest("Invalid '" + param(name) + "': decimal below minimum value. Expected a value >= "
                    + min + ", but got " + value.asText() + " instead.", param(name), "decimal_below_min_value");
        }
        if (number > max || Double.isNaN(number)) {
            throw ApiException.invalidRequest("Invalid '" + param(name) + "': decimal above maximum value. Expected a value <= "
                    + max + ", but got " + value.asText() + " instead.", param(name), "decimal_above_max_value");
        }
        return OptionalDouble.of(number);
    }

    public Optional<List<String>> optionalStringList(String name, int maxItems) {
        JsonNode value = node(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isArray()) {
            throw invalidType(param(name), "an array", value);
        }
        if (value.size() > maxItems) {
            throw ApiException.invalidRequest("Invalid '" + param(name) + "': array too long. Expected an array with maximum length "
                    + maxItems + ", but got an array with length " + value.size() + " instead.", param(name),
                    "array_above_max_length");
        }
        List<String> items = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isTextual()) {
                throw invalidType(param(name) + "[" + i + "]", "a string", item);
            }
            items.add(item.textValue());
        }
        return Optional.of(items);
    }

    /** An ISO-8601 instant: {@code 2030-01-01T00:00:00Z} or with an offset. */
    public Optional<Instant> optionalInstant(String name) {
        Optional<String> text = optionalString(name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text.get()).toInstant());
        } catch (DateTimeParseException notIso) {
            throw ApiException.invalidRequest("Invalid '" + param(name) + "': expected an ISO-8601 timestamp such as "
                    + "2030-01-01T00:00:00Z, but got '" + text.get() + "' instead.", param(name), "invalid_value");
        }
    }

    public static ApiException missing(String param) {
        return ApiException.invalidRequest("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    public static ApiException invalidType(String param, String expected, JsonNode actual) {
        return ApiException.invalidRequest("Invalid type for '" + param + "': expected " + expected + ", but got "
                + describe(actual) + " instead.", param, "invalid_type");
    }

    public static ApiException invalidValue(String param, String message) {
        return ApiException.invalidRequest("Invalid value for '" + param + "': " + message, param, "invalid_value");
    }

    static String describe(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isIntegralNumber()) {
            return "an integer";
        }
        if (node.isNumber()) {
            return "a decimal";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }
}
