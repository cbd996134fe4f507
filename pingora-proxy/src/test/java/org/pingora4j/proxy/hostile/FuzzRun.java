package org.pingora4j.proxy.hostile;

import java.util.SplittableRandom;

/**
 * The seed and size of a fuzz run: fixed by default so CI is repeatable, overridable with
 * {@code -Dfuzz.seed} and {@code -Dfuzz.iterations}. Iteration {@code i} gets its own random,
 * derived from the seed and {@code i} alone, so one failing iteration can be studied by itself.
 */
record FuzzRun(String name, long seed, int iterations) {

    static final long DEFAULT_SEED = 0x5EED_0008L;

    static FuzzRun of(String name, int defaultIterations) {
        FuzzRun run = new FuzzRun(name, Long.getLong("fuzz.seed", DEFAULT_SEED), Integer.getInteger("fuzz.iterations", defaultIterations));
        System.out.printf("%s: seed=%d iterations=%d (override: -Dfuzz.seed, -Dfuzz.iterations)%n", name, run.seed, run.iterations);
        return run;
    }

    /** Returns iteration {@code i}'s random; neighbouring iterations do not share a sequence. */
    SplittableRandom random(int i) {
        return new SplittableRandom(new SplittableRandom(seed ^ (i * 0x9E3779B97F4A7C15L)).nextLong());
    }
}
