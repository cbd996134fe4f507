package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @TempDir
    Path dir;

    private static String wrk(long requests, String p99, String max) {
        return "    Latency     2.49ms  763.32us  " + max + "   85.16%\n  Latency Distribution\n     50%    2.00ms\n     99%    " + p99 + "\n  " + requests
                + " requests in 10.00s, 1MB read\n";
    }

    private static String stub(long accepts, long requests) {
        return "Active connections: 1 \nserver accepts handled requests\n " + accepts + " " + accepts + " "
                + requests + " \nReading: 0 Writing: 1 Waiting: 0 \n";
    }

    /** One run: {@code requests} in 10 s, {@code newConns} new origin connections, 1 s of CPU. */
    private void run(String proxy, int round, long requests, String p99, String max, long newConns) throws IOException {
        Path r = Files.createDirectories(dir.resolve("runs/2k").resolve(proxy).resolve("r" + round));
        Files.writeString(r.resolve("wrk.txt"), wrk(requests, p99, max));
        Files.writeString(r.resolve("stub-before.txt"), stub(100, 1000));
        // The after page counts itself: one more connection and one more request.
        Files.writeString(r.resolve("stub-after.txt"), stub(100 + newConns + 1, 1000 + requests + 1));
        Files.writeString(r.resolve("cpu.txt"), "500 600 100\n");
        Files.writeString(r.resolve("rss.txt"), "20480\n");
    }

    private void fixture() throws IOException {
        Files.writeString(dir.resolve("shapes.txt"), "2k|2 KiB, 64 clients\n");
        Files.writeString(dir.resolve("proxies.txt"), "nginx|nginx\npingora4j|pingora4j\n");
        Files.writeString(dir.resolve("meta.md"), "## machine line\n");
        run("nginx", 1, 200_000, "4.00ms", "30.00ms", 0);
        run("nginx", 2, 100_000, "6.00ms", "50.00ms", 0);
        run("nginx", 3, 300_000, "5.00ms", "40.00ms", 0);
        run("pingora4j", 1, 100_000, "8.00ms", "80.00ms", 10);
        run("pingora4j", 2, 100_000, "9.00ms", "0.90s", 10);
        run("pingora4j", 3, 100_000, "10.00ms", "60.00ms", 10);
        Path s = Files.createDirectories(dir.resolve("strace/pingora4j"));
        Files.writeString(s.resolve("strace.txt"), StraceCountsTest.SUMMARY);
        Files.writeString(s.resolve("requests.txt"), "20000\n");
        Path st = Files.createDirectories(dir.resolve("startup/pingora4j"));
        Files.writeString(st.resolve("ready.txt"), "0.800\n");
        Files.writeString(st.resolve("windows.txt"), "1.8 100\n2.8 1000\n3.8 1000\n");
        Files.writeString(st.resolve("w1.txt"), wrk(100, "70.00ms", "120.00ms"));
    }

    @Test
    void csvHasOneRowPerRunWithDerivedFigures() throws IOException {
        fixture();
        List<String> rows = new Report(dir, "pingora4j", List.of("nginx")).csv().lines().toList();
        assertEquals(RunResult.CSV_HEADER, rows.get(0));
        assertEquals(7, rows.size());
        // pingora4j round 1: 10k req/s, 10 new connections over 100 000 requests, 1 s CPU / 100 000.
        assertEquals("2k,pingora4j,1,100000,10.0000,10000.0000,2.0000,8.0000,80.0000,0,10.0000,100000.0000,0.9999,"
                + "10.0000,20.0000,,,,", rows.get(4));
    }

    @Test
    void tableGivesMediansAndTheSubjectsRatios() throws IOException {
        fixture();
        String table = new Report(dir, "pingora4j", List.of("nginx")).markdown();
        assertTrue(table.startsWith("## machine line\n"), table);
        assertTrue(table.contains("| shape | figure | nginx | pingora4j | pingora4j ÷ nginx |"), table);
        // nginx's median req/s is 20k (of 10k, 20k, 30k); pingora4j's 10k: 0.50×.
        assertTrue(table.contains("| 2 KiB, 64 clients | req/s | 20.0k | 10.0k | 0.50× |"), table);
        assertTrue(table.contains("| 2 KiB, 64 clients | p99, ms | 5.00 | 9.00 | 1.80× |"), table);
        // Every round in round order; the ratio is the worst round's: 900 ms ÷ 50 ms.
        assertTrue(table.contains("| 2 KiB, 64 clients | slowest request, each round, ms | 30.0 / 50.0 / 40.0 | "
                + "80.0 / 900 / 60.0 | 18× |"), table);
        assertTrue(table.contains("| 2 KiB, 64 clients | reuse ratio | 1.0000 | 0.9999 | 1.00× |"), table);
        assertTrue(table.contains("| pingora4j | 5.01 | 1.000 |"), table);
        assertTrue(table.contains("| pingora4j | 0.8 s | 2.8 s | 1.0k | 70.0 ms | 120 ms |"), table);
    }

    @Test
    void mainWritesTheFilesAndAChartThatDecodes() throws IOException {
        fixture();
        System.setProperty("java.awt.headless", "true");
        Report.main(new String[] {dir.toString(), "--subject", "pingora4j", "--versus", "nginx"});
        assertTrue(Files.readString(dir.resolve("table.md")).contains("req/s"));
        assertEquals(7, Files.readAllLines(dir.resolve("results.csv")).size());
        BufferedImage png = ImageIO.read(dir.resolve("chart.png").toFile());
        assertEquals(Chart.WIDTH, png.getWidth());
        assertEquals(Chart.HEIGHT, png.getHeight());
    }

    @Test
    void aFailedStatusRequestLeavesConnectionsUnknownAndAFailedWrkRunIsListedNotFatal() throws IOException {
        fixture();
        Files.writeString(dir.resolve("runs/2k/pingora4j/r2/stub-after.txt"), "");
        Path broken = Files.createDirectories(dir.resolve("runs/2k/nginx/r4"));
        Files.writeString(broken.resolve("wrk.txt"), "unable to connect to 127.0.0.1:1 Connection refused\n");
        Report report = new Report(dir, "pingora4j", List.of("nginx"));
        RunResult r2 = report.runs().stream().filter(r -> r.proxy().equals("pingora4j") && r.round() == 2)
                .findFirst().orElseThrow();
        assertTrue(Double.isNaN(r2.newConnections()));
        assertEquals(6, report.runs().size());
        assertTrue(report.markdown().contains("- run without figures: runs/2k/nginx/r4: no wrk summary"),
                report.markdown());
    }

    @Test
    void h2loadRunsTheirConnectionsSinceStartConnectorReuseAndTheColdBurst() throws IOException {
        fixture();
        Files.writeString(dir.resolve("shapes.txt"), "2k|2 KiB, 64 clients\nh2|h2 downstream\n");
        Path r = Files.createDirectories(dir.resolve("runs/h2/pingora4j/r1"));
        Files.writeString(r.resolve("h2load.txt"), H2loadResultTest.CLEAN);
        Files.writeString(r.resolve("h2load.log"), "1\t200\t1000\n2\t200\t3000\n");
        Files.writeString(r.resolve("stub-start.txt"), stub(50, 500));
        // Between start and before: 3 proxy connections and the before page's own.
        Files.writeString(r.resolve("stub-before.txt"), stub(54, 5000));
        // During the phase: 1 proxy connection, then the after page's own.
        Files.writeString(r.resolve("stub-after.txt"), stub(54 + 1 + 1, 5000 + 189102 + 1));
        Files.writeString(r.resolve("proxy-stats-before.txt"), ConnectorCountersTest.page(4000, 3997, 3));
        Files.writeString(r.resolve("proxy-stats-after.txt"), ConnectorCountersTest.page(193102, 193098, 4));
        Files.writeString(r.resolve("cpu.txt"), "0 189.102 100\n"); // 1.89102 s
        Path b = Files.createDirectories(dir.resolve("h2burst/pingora4j"));
        Files.writeString(b.resolve("codes.txt"), "200\n".repeat(198) + "502\n000\n");
        Files.writeString(b.resolve("stub-before.txt"), stub(70, 6000));
        Files.writeString(b.resolve("stub-after.txt"), stub(73, 6201));
        Report report = new Report(dir, "pingora4j", List.of("nginx"));
        RunResult h2 = report.runs().stream().filter(x -> x.shape().equals("h2")).findFirst().orElseThrow();
        assertEquals(189102, h2.wrk().requests());
        assertEquals(1.0, h2.wrk().p50Ms(), 1e-9, "the nearest-rank median of 1 ms and 3 ms");
        assertEquals(4, h2.connectionsSinceStart(), 1e-9);
        assertEquals(1, h2.newConnections(), 1e-9);
        assertEquals(1, h2.connectorConnects(), 1e-9);
        assertEquals(189101.0 / 189102, h2.connectorReuse(), 1e-12);
        assertEquals(10, h2.cpuMicrosPerRequest(), 1e-9);
        String table = report.markdown();
        assertTrue(table.contains("| h2 downstream | req/s | – | 94.6k | – |"), table);
        assertTrue(table.contains("| h2 downstream | upstream connections since the proxy started (at the origin, "
                + "warm-up included) | – | 4 | – |"), table);
        assertTrue(table.contains("| h2 downstream | reuse ratio, pingora4j's own count (connector stats) | – | 1.0000 | – |"),
                table);
        assertFalse(table.contains("| 2 KiB, 64 clients | upstream connections since"),
                "a shape without the optional figure has no row for it");
        assertTrue(table.contains("| pingora4j | 198 | 2 | 2 |"), table);
    }

    @Test
    void ratiosAndFormats() {
        assertEquals("0.65×", Report.ratio(13.8, 21.3));
        assertEquals("40×", Report.ratio(800, 20));
        assertEquals("–", Report.ratio(1, 0));
        assertEquals("–", Report.format(Double.NaN, "k"));
        assertEquals("21.3k", Report.format(21_300, "k"));
        assertEquals("146", Report.format(146.2, "µs"));
        assertEquals("5.40", Report.format(5.4, "ms"));
    }
}
