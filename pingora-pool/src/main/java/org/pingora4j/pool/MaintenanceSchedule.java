package org.pingora4j.pool;

/**
 * When the pool's next maintenance run is due, so that at most one run is pending at a time for
 * the earliest moment any work is due (an expiry, the end of an overshoot, empty groups to drop).
 *
 * <p>A request for a later time than the pending run is absorbed. A request for an earlier time
 * becomes the new pending run; the superseded run still fires, does idempotent maintenance, and
 * schedules nothing because it is no longer {@linkplain #onRun(long) current}. Guarded by the pool's
 * lock; the actual {@link Scheduler} call happens after the lock is released, for the time
 * {@link #takeRequested()} returns.
 */
final class MaintenanceSchedule {

    /** {@link #takeRequested()}'s answer when there is nothing new to schedule. */
    static final long NONE = Long.MIN_VALUE;

    private boolean scheduled;
    private long at;
    private boolean requested;

    boolean isScheduled() {
        return scheduled;
    }

    /** Asks for a run at {@code time} unless one is already due no later. */
    void request(long time) {
        if (scheduled && at - time <= 0) {
            return;
        }
        scheduled = true;
        at = time;
        requested = true;
    }

    /** Notes that the run scheduled for {@code time} started; it is no longer pending if current. */
    void onRun(long time) {
        if (scheduled && at == time) {
            scheduled = false;
        }
    }

    /** Returns the time to hand to the scheduler once unlocked, or {@link #NONE}. */
    long takeRequested() {
        if (!requested) {
            return NONE;
        }
        requested = false;
        return at;
    }
}
