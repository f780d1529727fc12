package org.polarisagent.bench;

import java.lang.management.ManagementFactory;

/**
 * The smallest possible app for the startup benchmark: at main entry it reports how long the JVM
 * has been up, then exits. Run with and without the agent, the difference is what the agent adds
 * before {@code main}.
 *
 * <p>Prints one line:
 *
 * <pre>
 *   PROBE uptime-us=41000 main-nanotime=123456789
 * </pre>
 *
 * {@code uptime-us} is the JVM's own uptime at main entry (its clock starts early in JVM creation;
 * millisecond resolution). The time spent loading the management classes to read it is measured and
 * subtracted. {@code main-nanotime} is {@link System#nanoTime()} at main entry, so that a launcher
 * on the same machine can compare it with its own clock where both use the same monotonic source
 * (Linux).
 */
public final class StartupProbe {

  private StartupProbe() {}

  public static void main(String[] args) {
    long entryNanos = System.nanoTime();
    long uptimeMillis = ManagementFactory.getRuntimeMXBean().getUptime();
    long readCostNanos = System.nanoTime() - entryNanos;
    long uptimeAtEntryMicros = uptimeMillis * 1000 - readCostNanos / 1000;
    System.out.println("PROBE uptime-us=" + uptimeAtEntryMicros + " main-nanotime=" + entryNanos);
  }
}
