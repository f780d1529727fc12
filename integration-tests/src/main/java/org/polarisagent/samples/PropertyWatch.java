package org.polarisagent.samples;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.polarisagent.testing.DaemonThreads;

/**
 * Watches the JVM's system properties from a daemon thread, every millisecond, for the names that
 * appear after it started, even for a moment: what an app iterating its properties could have met.
 * Names with {@code polaris} in them that are there already when it starts and that no {@code -D}
 * flag set (set before {@code main}, by an agent's premain say) count as appeared too. Thread-safe.
 */
final class PropertyWatch {

  private final Set<String> atStart = System.getProperties().stringPropertyNames();
  private final Set<String> appeared = new TreeSet<>();

  private PropertyWatch() {
    List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
    for (String name : atStart) {
      if (name.contains("polaris")
          && flags.stream().noneMatch(flag -> flag.startsWith("-D" + name + "="))) {
        appeared.add(name);
      }
    }
  }

  /** Starts watching now. */
  static PropertyWatch start() {
    PropertyWatch watch = new PropertyWatch();
    DaemonThreads.scheduler("property-watch")
        .scheduleWithFixedDelay(watch::look, 0, 1, TimeUnit.MILLISECONDS);
    return watch;
  }

  private void look() {
    Set<String> now = System.getProperties().stringPropertyNames();
    synchronized (appeared) {
      for (String name : now) {
        if (!atStart.contains(name)) {
          appeared.add(name);
        }
      }
    }
  }

  /** The names seen so far that were not there at the start, sorted, comma-separated. */
  String appeared() {
    synchronized (appeared) {
      return String.join(",", appeared);
    }
  }
}
