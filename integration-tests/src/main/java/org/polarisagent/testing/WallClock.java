package org.polarisagent.testing;

import java.time.Instant;

/**
 * Wall-clock time in microseconds since the epoch: the one clock that the benchmark driver and
 * every process it starts on the same machine share, so that an event one process prints can be set
 * against an event another process printed or the driver caused (a signal, a line read). Stateless.
 */
public final class WallClock {

  private WallClock() {}

  public static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
