package org.pingora4j.core.server.conf;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads and writes the YAML form of a {@link ServerConf}, the work of pingora's
 * {@code serde_yaml} derive. The format is documented at {@link ServerConf#fromYaml(String, String)};
 * each value is checked here against {@link ServerConfKey} so that an error names the file, the
 * YAML key, the value and what was expected.
 */
final class ServerConfLoader {

    private static final Logger log = LoggerFactory.getLogger(ServerConf.class);

    /** The pingora4j addition: a mapping whose entries count as top-level keys. */
    static final String SERVER_SECTION = "server";

    private static final int MAX_RENDERED_VALUE = 80;

    private ServerConfLoader() {
    }

    static ServerConf load(Path file) {
        if (file == null) {
            throw new NullPointerException("file");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException | RuntimeException e) {
            throw PingoraException.internal(ErrorType.FILE_READ_ERROR,
                    "unable to read conf file " + file, e);
        }
        log.debug("conf file read from {}", file);
        return parse(text, file.toString());
    }

    static ServerConf parse(String yaml, String source) {
        if (yaml == null) {
            throw new NullPointerException("yaml");
        }
        if (source == null) {
            throw new NullPointerException("sourceName");
        }
        Object document = loadYaml(yaml, source);
        ServerConfBuilder builder = ServerConf.builder();
        if (document == null) {
            return builder.build();
        }
        if (!(document instanceof Map<?, ?> top)) {
            throw problem(source, "document", document, "a mapping of keys to values");
        }
        List<String> ignored = new ArrayList<>();
        Map<String, Object> entries = flatten(top, source, ignored);
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            ServerConfKey key = ServerConfKey.ofYamlName(e.getKey());
            key.set(builder, convert(key, e.getValue(), source));
        }
        if (!ignored.isEmpty()) {
            log.warn("{}: ignoring unknown keys {}", source, ignored);
        }
        return builder.ignoredKeys(ignored).build();
    }

    static String dump(ServerConf conf) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (ServerConfKey key : ServerConfKey.values()) {
            Object value = key.get(conf);
            if (value == null || (value instanceof List<?> list && list.isEmpty())) {
                continue;
            }
            map.put(key.yamlName(), value instanceof Path path ? path.toString() : value);
        }
        DumpSettings settings = DumpSettings.builder()
                .setExplicitStart(true)
                .setDefaultFlowStyle(FlowStyle.BLOCK)
                .setSchema(new CoreSchema())
                .build();
        return new Dump(settings).dumpToString(map);
    }

    private static Object loadYaml(String yaml, String source) {
        // The core schema is YAML 1.2's and close to serde_yaml's: True/TRUE, 0x10 and ~ resolve.
        LoadSettings settings = LoadSettings.builder()
                .setLabel(source)
                .setSchema(new CoreSchema())
                .setAllowDuplicateKeys(false)
                .build();
        try {
            return new Load(settings).loadFromString(yaml);
        } catch (YamlEngineException e) {
            String where = "";
            if (e instanceof MarkedYamlEngineException marked && marked.getProblemMark().isPresent()) {
                Mark mark = marked.getProblemMark().get();
                where = " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            }
            throw PingoraException.internal(ErrorType.CONFIG_ERROR, source + ": invalid YAML" + where, e);
        }
    }

    /**
     * Returns the known keys and their values, top level and {@code server:} merged in file order,
     * and collects the unknown ones into {@code ignored}.
     */
    private static Map<String, Object> flatten(Map<?, ?> top, String source, List<String> ignored) {
        Map<String, Object> entries = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String name = keyName(e.getKey(), source);
            if (!SERVER_SECTION.equals(name)) {
                collect(name, "", e.getValue(), entries, origin, ignored, source);
                continue;
            }
            Object section = e.getValue();
            if (section == null) {
                continue;
            }
            if (!(section instanceof Map<?, ?> inner)) {
                throw problem(source, SERVER_SECTION, section, "a mapping of server keys");
            }
            for (Map.Entry<?, ?> s : inner.entrySet()) {
                String innerName = keyName(s.getKey(), source);
                collect(innerName, SERVER_SECTION + ".", s.getValue(), entries, origin, ignored, source);
            }
        }
        return entries;
    }

    private static void collect(String name, String prefix, Object value, Map<String, Object> entries,
                                Map<String, String> origin, List<String> ignored, String source) {
        if (ServerConfKey.ofYamlName(name) == null) {
            ignored.add(prefix + name);
            return;
        }
        String previous = origin.putIfAbsent(name, prefix);
        if (previous != null) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR, source + ": " + name
                    + ": set both at the top level and under " + SERVER_SECTION + ": (expected: one of them)",
                    null);
        }
        entries.put(name, value);
    }

    private static String keyName(Object key, String source) {
        if (key instanceof String s) {
            return s;
        }
        throw problem(source, "key", key, "a string");
    }

    private static Object convert(ServerConfKey key, Object raw, String source) {
        ServerConfKey.Kind kind = key.kind();
        String name = key.yamlName();
        if (raw == null && kind.optional()) {
            return null;
        }
        return switch (kind) {
            case INT, OPT_INT -> (int) integer(name, raw, key.min(), Integer.MAX_VALUE, source);
            case OPT_LONG -> integer(name, raw, key.min(), Long.MAX_VALUE, source);
            case BOOL -> {
                if (raw instanceof Boolean b) {
                    yield b;
                }
                throw problem(source, name, raw, "true or false");
            }
            case STRING, OPT_STRING -> {
                String s = scalar(raw);
                boolean required = kind == ServerConfKey.Kind.STRING;
                if (s == null || (required && s.isEmpty())) {
                    throw problem(source, name, raw, required ? "a non-empty string" : "a string");
                }
                yield s;
            }
            case OPT_PATH -> path(name, raw, source);
            case IPV4_LIST, IPV6_LIST -> ipLiterals(name, kind, raw, source);
        };
    }

    private static long integer(String name, Object raw, long min, long max, String source) {
        String expected = "an integer >= " + min;
        if (!(raw instanceof Integer || raw instanceof Long || raw instanceof BigInteger)) {
            throw problem(source, name, raw, expected);
        }
        BigInteger value = raw instanceof BigInteger big ? big : BigInteger.valueOf(((Number) raw).longValue());
        if (value.compareTo(BigInteger.valueOf(min)) < 0) {
            throw problem(source, name, raw, expected);
        }
        if (value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw problem(source, name, raw, "an integer from " + min + " to " + max);
        }
        return value.longValue();
    }

    private static Path path(String name, Object raw, String source) {
        String s = scalar(raw);
        if (s != null && !s.isEmpty()) {
            try {
                return Path.of(s);
            } catch (InvalidPathException e) {
                // Falls through to the error below: the reason is the platform's, the key is ours.
            }
        }
        throw problem(source, name, raw, "a file path");
    }

    private static List<String> ipLiterals(String name, ServerConfKey.Kind kind, Object raw, String source) {
        if (!(raw instanceof List<?> list)) {
            throw problem(source, name, raw, "a sequence of " + IpLiterals.family(kind) + " literals");
        }
        List<String> literals = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object element = list.get(i);
            String s = scalar(element);
            if (s == null || !IpLiterals.matches(kind, s)) {
                throw problem(source, name + "[" + i + "]", element, IpLiterals.describe(kind));
            }
            literals.add(s);
        }
        return literals;
    }

    /** Returns a scalar as its string form, or null for null and collections. */
    private static String scalar(Object raw) {
        if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
            return raw.toString();
        }
        return null;
    }

    private static PingoraException problem(String source, String what, Object value, String expected) {
        return PingoraException.internal(ErrorType.CONFIG_ERROR,
                source + ": " + what + ": " + render(value) + " (expected: " + expected + ")", null);
    }

    /** Renders a YAML value for an error message: strings quoted, so that "2" and 2 differ. */
    static String render(Object value) {
        String s = renderFully(value);
        return s.length() <= MAX_RENDERED_VALUE ? s : s.substring(0, MAX_RENDERED_VALUE) + "...";
    }

    private static String renderFully(Object value) {
        if (value instanceof String s) {
            StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(c);
                }
            }
            return sb.append('"').toString();
        }
        if (value instanceof List<?> list) {
            List<String> parts = new ArrayList<>(list.size());
            for (Object element : list) {
                parts.add(renderFully(element));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        if (value instanceof Map<?, ?> map) {
            List<String> parts = new ArrayList<>(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                parts.add(renderFully(e.getKey()) + ": " + renderFully(e.getValue()));
            }
            return "{" + String.join(", ", parts) + "}";
        }
        if (value instanceof byte[] bytes) {
            return "<" + bytes.length + " bytes of binary>";
        }
        return String.valueOf(value);
    }
}
