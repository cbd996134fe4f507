package org.pingora4j.bench.pool;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.pingora4j.pool.GroupKey;

/**
 * One question: what does a proxy's checkout and release of a warm upstream connection cost? Each
 * op takes an idle connection of a group and releases it again (a get+put round trip), on a pool
 * pre-filled to half its capacity over {@link #GROUPS} groups, with one and with two threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class GetPutBenchmark {

    static final int CAPACITY = 128;
    static final int GROUPS = 16;

    @State(Scope.Benchmark)
    public static class PoolState {
        @Param
        public PoolType type;

        PoolType.BenchPool pool;
        GroupKey[] keys;

        @Setup(Level.Trial)
        public void setUp() {
            pool = type.create(CAPACITY);
            keys = new GroupKey[GROUPS];
            for (int g = 0; g < GROUPS; g++) {
                keys[g] = GroupKey.of(0x9E3779B97F4A7C15L * (g + 1), "origin-" + g + ".example:443");
                for (int i = 0; i < CAPACITY / GROUPS / 2; i++) {
                    pool.put(new Conn(keys[g]));
                }
            }
        }
    }

    /** Each thread cycles through the groups, so threads contend as a proxy's event loops would. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        GroupKey nextKey(GroupKey[] keys) {
            int i = next;
            next = (i + 1) & (GROUPS - 1);
            return keys[i];
        }
    }

    @Benchmark
    @Threads(1)
    public Conn roundTrip1Thread(PoolState state, Cursor cursor) {
        return roundTrip(state, cursor);
    }

    @Benchmark
    @Threads(2)
    public Conn roundTrip2Threads(PoolState state, Cursor cursor) {
        return roundTrip(state, cursor);
    }

    private static Conn roundTrip(PoolState state, Cursor cursor) {
        Conn conn = state.pool.get(cursor.nextKey(state.keys));
        if (conn != null) {
            state.pool.put(conn);
        }
        return conn;
    }
}
