package org.pingora4j.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Turns the raw files of an {@code e2e/run.sh} results directory into {@code results.csv} (one row
 * per timed run), {@code table.md} (medians per shape and proxy, with the subject's ratios to its
 * references) and {@code chart.png}; prints the table.
 *
 * <p>Usage: {@code Report DIR [--subject pingora4j] [--versus nginx,reactor-netty]}. The directory
 * holds {@code shapes.txt} and {@code proxies.txt} ({@code id|label}, in table order),
 * {@code meta.md} (the machine, versions and command, copied to the top of the table),
 * {@code runs/SHAPE/PROXY/rN/} (see {@link RunResult}), {@code strace/PROXY/} ({@code strace.txt}
 * and {@code requests.txt}) and {@code startup/PROXY/} ({@code ready.txt}, {@code windows.txt}; see
 * {@link Startup}), and for the HTTP/2 upstream shape {@code h2burst/PROXY/} ({@code codes.txt},
 * one status code a line, {@code stub-before.txt}, {@code stub-after.txt}: a burst of concurrent
 * requests through a fresh proxy to a cold HTTP/2 origin) with {@code h2burst/how.txt}.
 */
public final class Report {

    /**
     * One row of the table: a figure of every run of a shape, reduced to one number per proxy. An
     * optional figure's row is left out of a shape where no proxy has it (only some shapes record
     * it).
     */
    private record Figure(String name, ToDoubleFunction<List<RunResult>> reduce, String unit, boolean optional,
            ToDoubleFunction<RunResult> perRun) {
        Figure(String name, ToDoubleFunction<List<RunResult>> reduce, String unit) {
            this(name, reduce, unit, false, null);
        }

        Figure(String name, ToDoubleFunction<List<RunResult>> reduce, String unit, boolean optional) {
            this(name, reduce, unit, optional, null);
        }

        /**
         * A figure shown for every round, in round order, since one number would hide a bad run;
         * its ratio and its chart mark are the worst round's.
         */
        static Figure everyRound(String name, ToDoubleFunction<RunResult> perRun, String unit) {
            return new Figure(name, runs -> runs.stream().mapToDouble(perRun).filter(v -> !Double.isNaN(v)).max()
                    .orElse(Double.NaN), unit, false, perRun);
        }
    }

    /** The position of the slowest-request figure in {@link #FIGURES}, for the chart. */
    private static final int SLOWEST = 3;

    private static final List<Figure> FIGURES = List.of(
            new Figure("req/s", median(r -> r.wrk().requestsPerSecond()), "k"),
            new Figure("p50", median(r -> r.wrk().p50Ms()), "ms"),
            new Figure("p99", median(r -> r.wrk().p99Ms()), "ms"),
            Figure.everyRound("slowest request, each round", r -> r.wrk().maxMs(), "ms"),
            new Figure("client-visible errors (all rounds)",
                    runs -> runs.stream().mapToLong(r -> r.wrk().errors()).sum(), "int"),
            new Figure("new upstream connections (at the origin)", median(RunResult::newConnections), "int"),
            new Figure("reuse ratio", median(RunResult::reuse), "ratio"),
            new Figure("proxy CPU per request", median(RunResult::cpuMicrosPerRequest), "µs"),
            new Figure("peak RSS", median(RunResult::peakRssMiB), "MiB"),
            new Figure("upstream connections since the proxy started (at the origin, warm-up included)",
                    median(RunResult::connectionsSinceStart), "int", true),
            new Figure("reuse ratio, pingora4j's own count (connector stats)", median(RunResult::connectorReuse),
                    "ratio", true));

    private final Path dir;
    private final String subject;
    private final List<String> versus;
    private final Map<String, String> shapes;
    private final Map<String, String> proxies;
    private final List<RunResult> runs;
    private final List<String> skipped = new ArrayList<>();

    /** Reads every run under {@code dir}. */
    public Report(Path dir, String subject, List<String> versus) throws IOException {
        this.dir = dir;
        this.subject = subject;
        this.versus = List.copyOf(versus);
        this.shapes = Labels.read(dir.resolve("shapes.txt"));
        this.proxies = Labels.read(dir.resolve("proxies.txt"));
        this.runs = readRuns();
    }

    /** Writes results.csv, table.md and chart.png into the directory and prints the table. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String subject = "pingora4j";
        List<String> versus = List.of("nginx", "reactor-netty");
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--subject" -> subject = args[i + 1];
                case "--versus" -> versus = Arrays.asList(args[i + 1].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Report report = new Report(dir, subject, versus);
        Files.writeString(dir.resolve("results.csv"), report.csv());
        String table = report.markdown();
        Files.writeString(dir.resolve("table.md"), table);
        Chart.write(report.chartData(), dir.resolve("chart.png"));
        System.out.print(table);
    }

    /** The runs found, in directory order. */
    public List<RunResult> runs() {
        return runs;
    }

    /** {@code results.csv}: a header and one row per timed run. */
    public String csv() {
        StringBuilder out = new StringBuilder(RunResult.CSV_HEADER).append('\n');
        runs.forEach(r -> out.append(r.csvRow()).append('\n'));
        return out.toString();
    }

    /** {@code table.md}: the machine, then medians per shape, figure and proxy with the ratios. */
    public String markdown() {
        StringBuilder out = new StringBuilder();
        Path meta = dir.resolve("meta.md");
        if (Files.exists(meta)) {
            out.append(RunResult.text(meta).strip()).append("\n\n");
        }
        long rounds = runs.stream().mapToInt(RunResult::round).distinct().count();
        out.append("Medians of ").append(rounds).append(rounds == 1 ? " round" : " rounds")
                .append(" (errors: the sum of all rounds). Ratios are ").append(label(subject))
                .append(" ÷ the other proxy, per figure: above 1 is better for req/s and reuse, below 1 for the rest.\n\n");
        out.append("| shape | figure |");
        proxies.values().forEach(p -> out.append(' ').append(p).append(" |"));
        versus.forEach(v -> out.append(' ').append(label(subject)).append(" ÷ ").append(label(v)).append(" |"));
        out.append('\n').append("|---|---|");
        proxies.keySet().forEach(p -> out.append("---|"));
        versus.forEach(v -> out.append("---|"));
        out.append('\n');
        for (Map.Entry<String, String> shape : shapes.entrySet()) {
            for (Figure figure : FIGURES) {
                if (figure.optional() && proxies.keySet().stream()
                        .allMatch(p -> Double.isNaN(value(shape.getKey(), p, figure)))) {
                    continue;
                }
                out.append("| ").append(shape.getValue()).append(" | ").append(figure.name())
                        .append(unitSuffix(figure)).append(" |");
                for (String proxy : proxies.keySet()) {
                    String cell = figure.perRun() != null ? eachRound(shape.getKey(), proxy, figure)
                            : format(value(shape.getKey(), proxy, figure), figure.unit());
                    out.append(' ').append(cell).append(" |");
                }
                double mine = value(shape.getKey(), subject, figure);
                for (String other : versus) {
                    out.append(' ').append(ratio(mine, value(shape.getKey(), other, figure))).append(" |");
                }
                out.append('\n');
            }
        }
        // Each section only if its phase ran (run.sh --timed-only skips strace and start-up).
        for (String section : List.of(socketCalls(), startup(), h2Burst())) {
            if (!section.isEmpty()) {
                out.append('\n').append(section);
            }
        }
        List<String> warnings = new ArrayList<>();
        Path file = dir.resolve("warnings.txt");
        if (Files.exists(file)) {
            RunResult.text(file).lines().filter(w -> !w.isBlank()).forEach(warnings::add);
        }
        skipped.forEach(s -> warnings.add("run without figures: " + s));
        if (!warnings.isEmpty()) {
            out.append("\nWarnings from the run:\n\n");
            warnings.forEach(w -> out.append("- ").append(w).append('\n'));
        }
        return out.toString();
    }

    private String socketCalls() {
        if (!Files.isDirectory(dir.resolve("strace"))) {
            return "";
        }
        StringBuilder out = new StringBuilder("Socket calls per proxied request (strace -f -c over a separate "
                + "keep-alive phase, never during a timed one; requests counted at the origin):\n\n"
                + "| proxy | socket reads/writes | epoll_ctl | every traced call |\n|---|---|---|---|\n");
        for (Map.Entry<String, String> proxy : proxies.entrySet()) {
            Path sdir = dir.resolve("strace").resolve(proxy.getKey());
            if (!Files.exists(sdir.resolve("strace.txt")) || !Files.exists(sdir.resolve("requests.txt"))) {
                continue;
            }
            StraceCounts counts = StraceCounts.parse(RunResult.text(sdir.resolve("strace.txt")));
            String counted = RunResult.text(sdir.resolve("requests.txt")).trim();
            long requests = counted.matches("\\d+") ? Long.parseLong(counted) : 0;
            if (requests <= 0) {
                out.append("| ").append(proxy.getValue()).append(" | – | – | no request completed |\n");
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.3f | %s |%n", proxy.getValue(),
                    counts.readsWritesPer(requests), counts.epollCtlPer(requests), counts.breakdownPer(requests)));
        }
        return out.toString();
    }

    private String startup() {
        if (!Files.isDirectory(dir.resolve("startup"))) {
            return "";
        }
        StringBuilder out = new StringBuilder("Start to 90% of steady throughput (fresh process, 2 KiB, 64 clients, "
                + "back-to-back 1 s windows; steady = median of the last " + Startup.STEADY_WINDOWS
                + " windows; the first second is the first window, from the first answer on):\n\n"
                + "| proxy | first response | 90% of steady reached | steady req/s | first second: p99 | first second: slowest |\n"
                + "|---|---|---|---|---|---|\n");
        for (Map.Entry<String, String> proxy : proxies.entrySet()) {
            Path sdir = dir.resolve("startup").resolve(proxy.getKey());
            if (!Files.exists(sdir.resolve("windows.txt")) || !Files.exists(sdir.resolve("ready.txt"))) {
                continue;
            }
            Startup s = Startup.parse(Double.parseDouble(RunResult.text(sdir.resolve("ready.txt")).trim()),
                    RunResult.text(sdir.resolve("windows.txt")));
            WrkResult first = null;
            if (Files.exists(sdir.resolve("w1.txt"))) {
                try {
                    first = WrkResult.parse(RunResult.text(sdir.resolve("w1.txt")));
                } catch (IllegalArgumentException e) {
                    // the window printed no summary: no figures
                }
            }
            out.append(String.format(Locale.ROOT, "| %s | %.1f s | %s | %s | %s | %s |%n", proxy.getValue(),
                    s.firstResponseSeconds(),
                    Double.isNaN(s.secondsTo90()) ? "not reached" : String.format(Locale.ROOT, "%.1f s", s.secondsTo90()),
                    format(s.steadyRequestsPerSecond(), "k"),
                    first == null ? "–" : format(first.p99Ms(), "ms") + " ms",
                    first == null ? "–" : format(first.maxMs(), "ms") + " ms"));
        }
        return out.toString();
    }

    /** The cold HTTP/2 origin burst, one line per proxy; empty if the run had none. */
    private String h2Burst() {
        Path bdir = dir.resolve("h2burst");
        if (!Files.isDirectory(bdir)) {
            return "";
        }
        String how = Files.exists(bdir.resolve("how.txt")) ? RunResult.text(bdir.resolve("how.txt")).strip() : "";
        StringBuilder out = new StringBuilder("Burst to a cold HTTP/2 origin (a fresh proxy, no upstream connection yet"
                + (how.isEmpty() ? "" : "; " + how) + "; connections counted at the origin):\n\n"
                + "| proxy | requests answered 2xx/3xx | other answers and failures | origin connections opened |\n"
                + "|---|---|---|---|\n");
        for (Map.Entry<String, String> proxy : proxies.entrySet()) {
            Path pdir = bdir.resolve(proxy.getKey());
            if (!Files.exists(pdir.resolve("codes.txt"))) {
                continue;
            }
            // One status code per request, curl's 000 for one that got no answer.
            List<String> codes = RunResult.text(pdir.resolve("codes.txt")).lines().map(String::strip)
                    .filter(c -> !c.isEmpty()).toList();
            long answered = codes.stream().filter(c -> c.matches("[23]\\d\\d")).count();
            String opened = "–";
            try {
                StubStatus before = StubStatus.parse(RunResult.text(pdir.resolve("stub-before.txt")));
                StubStatus after = StubStatus.parse(RunResult.text(pdir.resolve("stub-after.txt")));
                opened = Long.toString(after.accepts() - before.accepts() - 1); // less the status request
            } catch (RuntimeException e) {
                // a missing or failed status page: unknown
            }
            out.append("| ").append(proxy.getValue()).append(" | ").append(answered).append(" | ")
                    .append(codes.size() - answered).append(" | ").append(opened).append(" |\n");
        }
        return out.toString();
    }

    /** Median req/s and p99, and the slowest request of any round, per shape (rows) and proxy (columns), for the chart. */
    Chart.Data chartData() {
        List<String> shapeLabels = new ArrayList<>(shapes.values());
        List<String> proxyLabels = new ArrayList<>(proxies.values());
        double[][] rps = new double[shapes.size()][proxies.size()];
        double[][] p99 = new double[shapes.size()][proxies.size()];
        double[][] slowest = new double[shapes.size()][proxies.size()];
        int s = 0;
        for (String shape : shapes.keySet()) {
            int p = 0;
            for (String proxy : proxies.keySet()) {
                rps[s][p] = value(shape, proxy, FIGURES.get(0));
                p99[s][p] = value(shape, proxy, FIGURES.get(2));
                slowest[s][p] = value(shape, proxy, FIGURES.get(SLOWEST));
                p++;
            }
            s++;
        }
        return new Chart.Data(shapeLabels, proxyLabels, rps, p99, slowest);
    }

    /** The figure of each round, in round order, as {@code a / b / c}. */
    private String eachRound(String shape, String proxy, Figure figure) {
        List<String> each = runs.stream().filter(r -> r.shape().equals(shape) && r.proxy().equals(proxy))
                .sorted(java.util.Comparator.comparingInt(RunResult::round))
                .map(r -> format(figure.perRun().applyAsDouble(r), figure.unit())).toList();
        return each.isEmpty() ? "–" : String.join(" / ", each);
    }

    private double value(String shape, String proxy, Figure figure) {
        List<RunResult> mine = runs.stream().filter(r -> r.shape().equals(shape) && r.proxy().equals(proxy)).toList();
        return mine.isEmpty() ? Double.NaN : figure.reduce().applyAsDouble(mine);
    }

    private String label(String proxy) {
        return proxies.getOrDefault(proxy, proxy);
    }

    private List<RunResult> readRuns() throws IOException {
        List<RunResult> found = new ArrayList<>();
        for (String shape : shapes.keySet()) {
            for (String proxy : proxies.keySet()) {
                Path pdir = dir.resolve("runs").resolve(shape).resolve(proxy);
                if (!Files.isDirectory(pdir)) {
                    continue;
                }
                try (Stream<Path> rounds = Files.list(pdir)) {
                    for (Path r : rounds.sorted().toList()) {
                        String name = r.getFileName().toString();
                        if (name.matches("r\\d+")
                                && (Files.exists(r.resolve("wrk.txt")) || Files.exists(r.resolve("h2load.txt")))) {
                            try {
                                found.add(RunResult.read(r, shape, proxy, Integer.parseInt(name.substring(1))));
                            } catch (IllegalArgumentException e) {
                                // wrk or h2load printed no summary (it could not connect): no figures.
                                skipped.add(dir.relativize(r) + ": " + e.getMessage());
                            }
                        }
                    }
                }
            }
        }
        return found;
    }

    private static ToDoubleFunction<List<RunResult>> median(ToDoubleFunction<RunResult> figure) {
        return runs -> Stats.median(runs.stream().map(r -> figure.applyAsDouble(r)).toList());
    }

    private static String unitSuffix(Figure figure) {
        return switch (figure.unit()) {
            case "ms", "µs", "MiB" -> ", " + figure.unit();
            default -> "";
        };
    }

    static String ratio(double mine, double theirs) {
        if (Double.isNaN(mine) || Double.isNaN(theirs) || theirs == 0) {
            return "–";
        }
        double r = mine / theirs;
        return String.format(Locale.ROOT, r >= 10 ? "%.0f×" : "%.2f×", r);
    }

    static String format(double v, String unit) {
        if (Double.isNaN(v)) {
            return "–";
        }
        return switch (unit) {
            case "k" -> v >= 1000 ? String.format(Locale.ROOT, "%.1fk", v / 1000) : String.format(Locale.ROOT, "%.0f", v);
            case "int" -> String.format(Locale.ROOT, "%.0f", v);
            case "ratio" -> String.format(Locale.ROOT, "%.4f", v);
            case "MiB" -> String.format(Locale.ROOT, "%.0f", v);
            default -> String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
        };
    }
}
