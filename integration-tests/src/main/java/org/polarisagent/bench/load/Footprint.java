package org.polarisagent.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.LineValues;

/**
 * The memory and threads of a running JVM, read from outside as an operator would: threads from
 * {@code /proc/<pid>/task} (before anything attaches to it), then a full GC ({@code jcmd GC.run}),
 * then resident memory from {@code /proc/<pid>/status} and heap and metaspace in use from {@code
 * jcmd GC.heap_info}, and the thread names from {@code jcmd Thread.print}. Immutable.
 *
 * @param threads OS threads of the process at idle, before any attach
 * @param rssKb resident set size after the full GC
 * @param heapKb Java heap in use after the full GC
 * @param metaspaceKb metaspace in use
 * @param threadNames names of the Java threads
 */
record Footprint(int threads, long rssKb, long heapKb, long metaspaceKb, List<String> threadNames) {

  private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");
  private static final Pattern METASPACE_USED = Pattern.compile("Metaspace\\s+used (\\d+)K");
  private static final Pattern THREAD_NAME = Pattern.compile("^\"(.*)\" #\\d+", Pattern.MULTILINE);
  private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

  static Footprint of(long pid, Path logDir, String name) throws IOException, InterruptedException {
    int threads;
    try (var tasks = Files.list(Paths.get("/proc", String.valueOf(pid), "task"))) {
      threads = (int) tasks.count();
    }
    jcmd(pid, "GC.run", logDir, name);
    Thread.sleep(500);
    long rss =
        LineValues.number(RSS, Files.readString(Paths.get("/proc", String.valueOf(pid), "status")));
    String heapInfo = jcmd(pid, "GC.heap_info", logDir, name);
    String dump = jcmd(pid, "Thread.print", logDir, name);
    List<String> names = new ArrayList<>();
    Matcher thread = THREAD_NAME.matcher(dump);
    while (thread.find()) {
      names.add(thread.group(1));
    }
    return new Footprint(
        threads,
        rss,
        LineValues.number(HEAP_USED, heapInfo),
        LineValues.number(METASPACE_USED, heapInfo),
        names);
  }

  private static String jcmd(long pid, String command, Path logDir, String name)
      throws IOException, InterruptedException {
    Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
    Path output = logDir.resolve(name + "-" + command + ".txt");
    Process process =
        new ProcessBuilder(jcmd.toString(), String.valueOf(pid), command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new HarnessFailure("jcmd " + pid + " " + command + " did not answer within 30 s");
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new HarnessFailure("jcmd " + pid + " " + command + " failed: " + text.strip());
    }
    return text;
  }
}
