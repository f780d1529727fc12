package org.polarisagent.plugin.grpc.balance;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Round robin in which an endpoint may take only part of a turn: a fixed schedule where a full
 * endpoint appears {@value #FULL_TURN} times and one with share {@code s} about {@code s} times as
 * often (at least once), each endpoint's appearances spread evenly, taken in turn from a random
 * start. What round robin does while instances warm up. Thread-safe; {@link #select} does not
 * allocate.
 */
final class SharedRoundRobinSelector implements Selector {

  /** Appearances of an endpoint with a full share in one pass of the schedule. */
  static final int FULL_TURN = 20;

  private final int[] schedule;
  private final AtomicInteger next;

  /**
   * @param shares each endpoint's part of a turn, in (0, 1]
   */
  SharedRoundRobinSelector(double[] shares) {
    int[] appearances = new int[shares.length];
    int total = 0;
    for (int i = 0; i < shares.length; i++) {
      appearances[i] = (int) Math.max(1, Math.round(FULL_TURN * Math.min(1, shares[i])));
      total += appearances[i];
    }
    // The k-th appearance of endpoint i is due at (k + 1/2) / appearances[i] of the pass; sorting
    // every appearance by when it is due (then by endpoint) interleaves the endpoints evenly. Key:
    // the due time in 31 fraction bits, the endpoint in the low 32 bits.
    long[] due = new long[total];
    int at = 0;
    for (int i = 0; i < shares.length; i++) {
      for (int k = 0; k < appearances[i]; k++) {
        long when = (long) ((k + 0.5) / appearances[i] * (1L << 31));
        due[at++] = (when << 32) | i;
      }
    }
    Arrays.sort(due);
    schedule = new int[total];
    for (int j = 0; j < total; j++) {
      schedule[j] = (int) due[j];
    }
    next = new AtomicInteger(ThreadLocalRandom.current().nextInt(total));
  }

  @Override
  public int select(CharSequence hashKey) {
    return schedule[(next.getAndIncrement() & Integer.MAX_VALUE) % schedule.length];
  }
}
