package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChartTest {

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    private static int countColor(BufferedImage image, int rgb, int yFrom, int yTo) {
        int n = 0;
        for (int y = yFrom; y < yTo; y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void aTallerValueDrawsATallerBarAndNaNDrawsNone() {
        Chart.Data data = new Chart.Data(List.of("a"), List.of("low", "high", "missing"),
                new double[][] {{1000, 4000, Double.NaN}}, new double[][] {{1, 100, Double.NaN}},
                new double[][] {{5, 300, Double.NaN}});
        BufferedImage image = Chart.render(data);
        assertEquals(Chart.WIDTH, image.getWidth());
        // The palette's first three colours; the legend's squares sit above y = 60.
        int low = countColor(image, 0x7f7f7f, 60, Chart.HEIGHT);
        int high = countColor(image, 0x2ca02c, 60, Chart.HEIGHT);
        int missing = countColor(image, 0x1f77b4, 60, Chart.HEIGHT);
        assertTrue(high > low, "high " + high + " low " + low);
        assertEquals(0, missing);
        assertTrue(countColor(image, 0x1f77b4, 0, 60) > 0, "the legend still names the missing proxy");
    }
}
