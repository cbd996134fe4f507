package com.example.consumer;

import org.junit.jupiter.api.Test;

/**
 * Runs the application's main as its user would; main throws unless the answer came through the
 * proxy, and the build's verify script checks the line it printed.
 */
class MainTest {

    @Test
    void mainProxiesOneRequestAndStops() throws Exception {
        Main.main(new String[0]);
    }
}
