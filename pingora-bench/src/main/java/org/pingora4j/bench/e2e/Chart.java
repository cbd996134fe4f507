package org.pingora4j.bench.e2e;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Draws the comparison's PNG with Java2D (headless, no dependency): two panels of grouped bars, one
 * group per shape and one bar per proxy, throughput on a linear axis above and p99 latency on a
 * logarithmic one below (tails span milliseconds to seconds).
 */
public final class Chart {

    /**
     * What to draw; NaN values draw no bar.
     *
     * @param shapes group labels
     * @param proxies bar labels (the legend)
     * @param requestsPerSecond [shape][proxy]
     * @param p99Ms [shape][proxy]
     * @param slowestMs [shape][proxy]: the slowest request of the worst round, drawn as a tick
     *     above the p99 bar
     */
    public record Data(List<String> shapes, List<String> proxies, double[][] requestsPerSecond, double[][] p99Ms,
            double[][] slowestMs) {
    }

    static final int WIDTH = 1600;
    static final int HEIGHT = 1000;
    private static final Color[] PALETTE = {new Color(0x7f7f7f), new Color(0x2ca02c), new Color(0x1f77b4),
        new Color(0xff7f0e), new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};
    private static final int LEFT = 90;
    private static final int RIGHT = 30;

    private Chart() {
    }

    /** Renders {@code data} into an image. */
    public static BufferedImage render(Data data) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            legend(g, data.proxies());
            panel(g, data, data.requestsPerSecond(), null, "Throughput, requests/s (median; higher is better)", 80, 470,
                    false);
            panel(g, data, data.p99Ms(), data.slowestMs(),
                    "p99 latency, ms (median; bars) and the slowest request of the worst round (tick); log scale; lower is better",
                    540, 930, true);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Renders {@code data} and writes it as a PNG. */
    public static void write(Data data, Path png) throws IOException {
        ImageIO.write(render(data), "png", png.toFile());
    }

    private static void legend(Graphics2D g, List<String> proxies) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
        FontMetrics fm = g.getFontMetrics();
        int x = LEFT;
        int y = 22;
        for (int p = 0; p < proxies.size(); p++) {
            int width = 24 + fm.stringWidth(proxies.get(p));
            if (x > LEFT && x + width > WIDTH - RIGHT) {
                x = LEFT; // a second row, above the first panel's title
                y += 24;
            }
            g.setColor(PALETTE[p % PALETTE.length]);
            g.fillRect(x, y, 18, 18);
            g.setColor(Color.BLACK);
            g.drawString(proxies.get(p), x + 24, y + 15);
            x += width + 30;
        }
    }

    private static void panel(Graphics2D g, Data data, double[][] values, double[][] ticks, String title, int top,
            int bottom, boolean log) {
        double max = 0;
        double min = Double.MAX_VALUE;
        for (double[][] set : ticks == null ? new double[][][] {values} : new double[][][] {values, ticks}) {
            for (double[] row : set) {
                for (double v : row) {
                    if (!Double.isNaN(v) && v > 0) {
                        max = Math.max(max, v);
                        min = Math.min(min, v);
                    }
                }
            }
        }
        if (max == 0) {
            max = 1;
            min = 1;
        }
        Axis axis = log ? Axis.log(min, max) : Axis.linear(max);
        int plotTop = top + 30;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, LEFT, top + 15);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        for (double tick : axis.ticks()) {
            int y = axis.y(tick, plotTop, bottom);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, WIDTH - RIGHT, y);
            g.setColor(Color.DARK_GRAY);
            String label = axis.label(tick);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), y + 5);
        }
        int shapes = data.shapes().size();
        int proxies = data.proxies().size();
        double groupWidth = (double) (WIDTH - LEFT - RIGHT) / Math.max(1, shapes);
        double barWidth = groupWidth * 0.8 / Math.max(1, proxies);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        fm = g.getFontMetrics();
        for (int s = 0; s < shapes; s++) {
            double x0 = LEFT + s * groupWidth + groupWidth * 0.1;
            for (int p = 0; p < proxies; p++) {
                double v = values[s][p];
                if (Double.isNaN(v) || v <= 0) {
                    continue;
                }
                int x = (int) Math.round(x0 + p * barWidth);
                int y = axis.y(v, plotTop, bottom);
                g.setColor(PALETTE[p % PALETTE.length]);
                g.fillRect(x, y, (int) Math.max(1, barWidth - 3), bottom - y);
                g.setColor(Color.BLACK);
                String label = log ? Report.format(v, "ms") : Report.format(v, "k");
                double t = ticks == null ? Double.NaN : ticks[s][p];
                if (!Double.isNaN(t) && t > 0) {
                    int ty = axis.y(t, plotTop, bottom);
                    g.setStroke(new BasicStroke(3f));
                    g.drawLine(x, ty, x + (int) Math.max(1, barWidth - 3), ty);
                    g.setStroke(new BasicStroke(1f));
                    String slowest = Report.format(t, "ms");
                    g.drawString(slowest, x + (int) ((barWidth - 3 - fm.stringWidth(slowest)) / 2), ty - 3);
                    if (y - ty < fm.getHeight() + 3) {
                        continue; // no room for the p99 label between the bar and the tick
                    }
                }
                g.drawString(label, x + (int) ((barWidth - 3 - fm.stringWidth(label)) / 2), y - 3);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            FontMetrics sfm = g.getFontMetrics();
            String label = data.shapes().get(s);
            g.drawString(label, (int) (LEFT + s * groupWidth + (groupWidth - sfm.stringWidth(label)) / 2), bottom + 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(LEFT, bottom, WIDTH - RIGHT, bottom);
        g.drawLine(LEFT, plotTop, LEFT, bottom);
    }

    /** A value axis: where a value sits between the plot's top and bottom, and its grid lines. */
    private record Axis(double lo, double hi, boolean log, double[] ticks) {

        static Axis linear(double max) {
            double step = Math.pow(10, Math.floor(Math.log10(max)));
            if (max / step < 2.5) {
                step /= 4;
            } else if (max / step < 5) {
                step /= 2;
            }
            int n = (int) Math.ceil(max * 1.12 / step);
            double[] ticks = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                ticks[i] = i * step;
            }
            return new Axis(0, n * step, false, ticks);
        }

        static Axis log(double min, double max) {
            int lo = (int) Math.floor(Math.log10(min));
            int hi = (int) Math.ceil(Math.log10(max * 1.3));
            if (hi == lo) {
                hi++;
            }
            double[] ticks = new double[hi - lo + 1];
            for (int i = lo; i <= hi; i++) {
                ticks[i - lo] = Math.pow(10, i);
            }
            return new Axis(Math.pow(10, lo), Math.pow(10, hi), true, ticks);
        }

        int y(double v, int top, int bottom) {
            double f = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
            f = Math.max(0, Math.min(1, f));
            return (int) Math.round(bottom - f * (bottom - top));
        }

        String label(double v) {
            if (log) {
                return v >= 1000 ? String.format(Locale.ROOT, "%.0f s", v / 1000)
                        : v >= 1 ? String.format(Locale.ROOT, "%.0f ms", v) : String.format(Locale.ROOT, "%s ms", v);
            }
            return v >= 1000 ? String.format(Locale.ROOT, "%.0fk", v / 1000) : String.format(Locale.ROOT, "%.0f", v);
        }
    }
}
