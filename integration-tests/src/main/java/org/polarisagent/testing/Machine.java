package org.polarisagent.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;

/** What a benchmark report says about the machine it ran on. Stateless. */
public final class Machine {

  private Machine() {}

  /** Adds the CPUs, the memory and the JDK to {@code facts}. */
  public static void addFacts(Map<String, String> facts) throws IOException {
    facts.put("CPUs (nproc)", String.valueOf(Runtime.getRuntime().availableProcessors()));
    Path meminfo = Paths.get("/proc/meminfo");
    if (Files.isReadable(meminfo)) {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith("MemTotal:")) {
          facts.put(
              "memory",
              String.format(
                  Locale.ROOT,
                  "%.1f GiB",
                  Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0));
        }
      }
    }
    facts.put(
        "JDK",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
  }

  /** {@code facts} as a Markdown list, one {@code - key: value} line each. */
  public static String bullets(Map<String, String> facts) {
    StringBuilder text = new StringBuilder();
    facts.forEach((k, v) -> text.append("- ").append(k).append(": ").append(v).append('\n'));
    return text.toString();
  }

  /** The system load average of the last minute. */
  public static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}
