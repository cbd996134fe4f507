package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private static String wrk(long requests, String p99) {
        return "  Latency Distribution\n     50%    2.00ms\n     99%    " + p99 + "\n  " + requests
                + " requests in 10.00s, 1MB read\n";
    }

    private static String stub(long accepts, long requests) {
        return "Active connections: 1 \nserver accepts handled requests\n " + accepts + " " + accepts + " "
                + requests + " \nReading: 0 Writing: 1 Waiting: 0 \n";
    }

    /** One run: {@code requests} in 10 s, {@code newConns} new origin connections, 1 s of CPU. */
    private void run(String proxy, int round, long requests, String p99, long newConns) throws IOException {
        Path r = Files.createDirectories(dir.resolve("runs/2k").resolve(proxy).resolve("r" + round));
        Files.writeString(r.resolve("wrk.txt"), wrk(requests, p99));
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
        run("nginx", 1, 200_000, "4.00ms", 0);
        run("nginx", 2, 100_000, "6.00ms", 0);
        run("nginx", 3, 300_000, "5.00ms", 0);
        run("pingora4j", 1, 100_000, "8.00ms", 10);
        run("pingora4j", 2, 100_000, "9.00ms", 10);
        run("pingora4j", 3, 100_000, "10.00ms", 10);
        Path s = Files.createDirectories(dir.resolve("strace/pingora4j"));
        Files.writeString(s.resolve("strace.txt"), StraceCountsTest.SUMMARY);
        Files.writeString(s.resolve("requests.txt"), "20000\n");
        Path st = Files.createDirectories(dir.resolve("startup/pingora4j"));
        Files.writeString(st.resolve("ready.txt"), "0.800\n");
        Files.writeString(st.resolve("windows.txt"), "1.8 100\n2.8 1000\n3.8 1000\n");
    }

    @Test
    void csvHasOneRowPerRunWithDerivedFigures() throws IOException {
        fixture();
        List<String> rows = new Report(dir, "pingora4j", List.of("nginx")).csv().lines().toList();
        assertEquals(RunResult.CSV_HEADER, rows.get(0));
        assertEquals(7, rows.size());
        // pingora4j round 1: 10k req/s, 10 new connections over 100 000 requests, 1 s CPU / 100 000.
        assertEquals("2k,pingora4j,1,100000,10.0000,10000.0000,2.0000,8.0000,0,10.0000,100000.0000,0.9999,"
                + "10.0000,20.0000", rows.get(4));
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
        assertTrue(table.contains("| 2 KiB, 64 clients | reuse ratio | 1.0000 | 0.9999 | 1.00× |"), table);
        assertTrue(table.contains("| pingora4j | 5.01 | 1.000 |"), table);
        assertTrue(table.contains("| pingora4j | 0.8 s | 2.8 s | 1.0k |"), table);
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
