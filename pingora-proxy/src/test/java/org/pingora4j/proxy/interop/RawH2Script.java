package org.pingora4j.proxy.interop;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.testing.MachineRequirement;

/**
 * Runs the raw HTTP/2 client script {@code h2/raw_h2.py} (a test resource; Debian's python3-h2) for
 * one scenario against {@code host:port} and returns the one JSON line it printed, parsed. The
 * scenarios (see the script's docstring) range from a plain GET to hand-built hostile frames.
 */
final class RawH2Script {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** The script's report; the accessors read the fields the hostile-input tests look at. */
    record Result(Map<String, Object> json, String line) {

        @SuppressWarnings("unchecked")
        private Map<String, Object> response(int stream) {
            return (Map<String, Object>) ((Map<String, Object>) json.get("responses")).get(Integer.toString(stream));
        }

        /** The response status on {@code stream}, or null if none arrived. */
        Integer status(int stream) {
            Map<String, Object> response = response(stream);
            return response == null || response.get("status") == null ? null : ((Number) response.get("status")).intValue();
        }

        /** The response body bytes received on {@code stream} (0 without a response). */
        long bodyLength(int stream) {
            Map<String, Object> response = response(stream);
            return response == null ? 0 : ((Number) response.get("body_len")).longValue();
        }

        /** The value of the first response header field {@code name} on {@code stream} (the head, not the trailers), or null. */
        String header(int stream, String name) {
            return field(stream, "headers", name);
        }

        /** The value of trailer field {@code name} on {@code stream}, or null. */
        String trailer(int stream, String name) {
            return field(stream, "trailers", name);
        }

        /** Whether a trailers block (a HEADERS block after the final head) arrived on {@code stream}. */
        boolean hasTrailers(int stream) {
            Map<String, Object> response = response(stream);
            return response != null && response.containsKey("trailers");
        }

        @SuppressWarnings("unchecked")
        private String field(int stream, String block, String name) {
            Map<String, Object> response = response(stream);
            List<List<String>> fields = response == null ? null : (List<List<String>>) response.get(block);
            if (fields != null) {
                for (List<String> field : fields) {
                    if (field.get(0).equals(name)) {
                        return field.get(1);
                    }
                }
            }
            return null;
        }

        /** The RST_STREAM error code name the server sent on {@code stream}, or null. */
        @SuppressWarnings("unchecked")
        String rst(int stream) {
            return (String) ((Map<String, Object>) json.get("rst")).get(Integer.toString(stream));
        }

        /** The GOAWAY error code name, or null without a GOAWAY. */
        @SuppressWarnings("unchecked")
        String goaway() {
            Map<String, Object> goaway = (Map<String, Object>) json.get("goaway");
            return goaway == null ? null : (String) goaway.get("code");
        }

        boolean closed() {
            return Boolean.TRUE.equals(json.get("closed"));
        }

        long pingAcks() {
            return ((Number) json.get("ping_acks")).longValue();
        }

        long settingsAcks() {
            return ((Number) json.get("settings_acks")).longValue();
        }

        @Override
        public String toString() {
            return line;
        }
    }

    private RawH2Script() {
    }

    /** Runs {@code raw_h2.py <scenario> <host> <port> <options>}; fails unless it exits 0 with a report. */
    static Result run(String scenario, String host, int port, String... options) throws IOException, InterruptedException {
        requirePythonH2();
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script().toString(), scenario, host,
                Integer.toString(port)));
        command.addAll(List.of(options));
        Path out = Files.createTempFile("raw-h2-", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish");
            }
            String output = Files.readString(out, StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                throw new AssertionError(command + " exited with " + process.exitValue() + ": " + output);
            }
            String line = output.substring(output.lastIndexOf('\n') + 1);
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) new Json(line).value();
            return new Result(json, line);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Path script() {
        URL url = RawH2Script.class.getResource("/h2/raw_h2.py");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requirePythonH2() throws IOException, InterruptedException {
        boolean present = Files.isExecutable(PYTHON)
                && new ProcessBuilder(PYTHON.toString(), "-c", "import h2.connection, hpack")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor() == 0;
        MachineRequirement.require(present, "python3-h2", "the raw HTTP/2 client script needs /usr/bin/python3 "
                + "with the h2 module: apt-get install python3-h2");
    }

    /** A minimal JSON reader for the script's one line: objects, arrays, strings, numbers, booleans, null. */
    private static final class Json {

        private final String text;
        private int at;

        Json(String text) {
            this.text = text;
        }

        Object value() {
            skip();
            char c = text.charAt(at);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                default:
                    for (String word : List.of("true", "false", "null")) {
                        if (text.startsWith(word, at)) {
                            at += word.length();
                            return word.equals("null") ? null : Boolean.valueOf(word);
                        }
                    }
                    int start = at;
                    while (at < text.length() && "+-.eE0123456789".indexOf(text.charAt(at)) >= 0) {
                        at++;
                    }
                    String number = text.substring(start, at);
                    return number.matches("-?\\d+") ? (Object) Long.valueOf(number) : (Object) Double.valueOf(number);
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            at++;
            skip();
            if (text.charAt(at) == '}') {
                at++;
                return map;
            }
            while (true) {
                skip();
                String key = string();
                skip();
                expect(':');
                map.put(key, value());
                skip();
                if (text.charAt(at++) == '}') {
                    return map;
                }
            }
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            at++;
            skip();
            if (text.charAt(at) == ']') {
                at++;
                return list;
            }
            while (true) {
                list.add(value());
                skip();
                if (text.charAt(at++) == ']') {
                    return list;
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char escape = text.charAt(at++);
                switch (escape) {
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> out.append(escape);
                }
            }
        }

        private void expect(char c) {
            if (text.charAt(at) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + at + " in " + text);
            }
            at++;
        }

        private void skip() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }
    }
}
