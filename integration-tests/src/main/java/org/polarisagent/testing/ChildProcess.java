package org.polarisagent.testing;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A process that a test, a benchmark or the demo started (the apps they run; the Polaris server's
 * script runs through {@link PolarisServer}): launches, watches and stops it. The environment is
 * scrubbed of variables that could slip an agent or Polaris settings into the child ({@code
 * JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS}, {@code _JAVA_OPTIONS}, {@code POLARIS_*}) before
 * the caller's own are added. stdout and stderr are read line by line by daemon threads, kept in
 * memory (each line stamped with {@link System#nanoTime()} and {@link WallClock#micros()} when it
 * was read) and copied to files. stdin stays open for {@link #send} until {@link #closeStdin()}.
 * Every child is tracked until it has exited, and a JVM shutdown hook kills what is left with its
 * descendants, so that no process outlives its driver.
 *
 * <p>Thread-safe.
 */
public final class ChildProcess implements AutoCloseable {

  /**
   * An output line, with {@link System#nanoTime()} and {@link WallClock#micros()} when it was read.
   */
  public record Line(String text, long nanos, long atMicros) {}

  private static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(ChildProcess::kill), "kill-child-processes"));
  }

  private final String name;
  private final Process process;
  private final long launchNanos;
  private final Writer stdin;
  private final ProcessOutput stdout;
  private final ProcessOutput stderr;
  private volatile String label;

  private ChildProcess(
      String name, Process process, long launchNanos, Path stdoutFile, Path stderrFile)
      throws IOException {
    this.name = name;
    this.process = process;
    this.launchNanos = launchNanos;
    this.stdin =
        new BufferedWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    this.stdout = new ProcessOutput(name + "-stdout", process.getInputStream(), stdoutFile);
    this.stderr = new ProcessOutput(name + "-stderr", process.getErrorStream(), stderrFile);
  }

  /**
   * Starts {@code command} in {@code workDir} (null: this JVM's) with the scrubbed environment plus
   * {@code env}; stdout is copied to {@code stdoutFile}, stderr to {@code stderrFile}.
   */
  public static ChildProcess start(
      String name,
      List<String> command,
      Path workDir,
      Path stdoutFile,
      Path stderrFile,
      Map<String, String> env)
      throws IOException {
    Files.createDirectories(stdoutFile.toAbsolutePath().getParent());
    Files.createDirectories(stderrFile.toAbsolutePath().getParent());
    ProcessBuilder builder = new ProcessBuilder(command);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    Map<String, String> environment = builder.environment();
    environment
        .keySet()
        .removeIf(
            key ->
                key.startsWith("POLARIS_")
                    || key.equals("JAVA_TOOL_OPTIONS")
                    || key.equals("JDK_JAVA_OPTIONS")
                    || key.equals("_JAVA_OPTIONS"));
    environment.putAll(env);
    long launch = System.nanoTime();
    Process process = builder.start();
    try {
      ChildProcess child = new ChildProcess(name, process, launch, stdoutFile, stderrFile);
      LIVE.add(child);
      return child;
    } catch (IOException | RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /**
   * Like {@link #start(String, List, Path, Path, Path, Map)} with output files {@code
   * <name>.out/.err} in {@code logDir}.
   */
  public static ChildProcess start(String name, List<String> command, Path logDir)
      throws IOException {
    return start(
        name,
        command,
        null,
        logDir.resolve(name + ".out"),
        logDir.resolve(name + ".err"),
        Map.of());
  }

  public String name() {
    return name;
  }

  /**
   * The name the caller knows the process by (e.g. a provider's instance name); {@link #name()} by
   * default.
   */
  public String label() {
    return label == null ? name : label;
  }

  /** Sets {@link #label()}. */
  public ChildProcess labelled(String newLabel) {
    label = newLabel;
    return this;
  }

  public long pid() {
    return process.pid();
  }

  /** {@link System#nanoTime()} just before the process was started. */
  public long launchNanos() {
    return launchNanos;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * The exit code.
   *
   * @throws IllegalThreadStateException if the process still runs
   */
  public int exitCode() {
    return process.exitValue();
  }

  /** All stdout lines so far. */
  public List<Line> lines() {
    return stdout.lines();
  }

  /** All stderr lines so far. */
  public List<Line> stderrLines() {
    return stderr.lines();
  }

  /** The number of stdout lines so far. */
  public int lineCount() {
    return stdout.count();
  }

  /** Whether stdout has ended (the process closed it or is gone). */
  public boolean stdoutEnded() {
    return stdout.ended();
  }

  /** Whether stderr has ended. */
  public boolean stderrEnded() {
    return stderr.ended();
  }

  /** stderr so far, one line per line. */
  public String stderr() {
    return text(stderr.lines());
  }

  /**
   * The first stdout line from index {@code fromLine} on that satisfies {@code condition}; null if
   * none in time.
   */
  public Line awaitLine(Predicate<String> condition, Duration timeout, int fromLine) {
    return stdout.await(condition, timeout, fromLine);
  }

  /** Like {@link #awaitLine(Predicate, Duration, int)} on stderr. */
  public Line awaitStderrLine(Predicate<String> condition, Duration timeout, int fromLine) {
    return stderr.await(condition, timeout, fromLine);
  }

  /**
   * The first stdout line (from the start of the output) in which {@code pattern} is found, waiting
   * for it.
   *
   * @throws HarnessFailure if the output ends or {@code timeout} passes first; the message has
   *     stderr's tail
   */
  public Line awaitLine(Pattern pattern, Duration timeout) {
    Line line = stdout.await(text -> pattern.matcher(text).find(), timeout, 0);
    if (line == null) {
      throw new HarnessFailure(
          name
              + ": "
              + (stdout.ended() ? "output ended without" : "no")
              + " line matching '"
              + pattern
              + "'"
              + (stdout.ended() ? "" : " within " + timeout.toSeconds() + " s")
              + stderrTail());
    }
    return line;
  }

  /** Every stdout line so far in which {@code pattern} is found. */
  public List<Line> linesMatching(Pattern pattern) {
    List<Line> found = new ArrayList<>();
    for (Line line : stdout.lines()) {
      if (pattern.matcher(line.text()).find()) {
        found.add(line);
      }
    }
    return found;
  }

  /** Sends one line to the child's stdin. */
  public void send(String command) throws IOException {
    stdin.write(command);
    stdin.write('\n');
    stdin.flush();
  }

  /** Closes the child's stdin: a child that reads it sees its end. */
  public void closeStdin() {
    try {
      stdin.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the stdin of " + name, e);
    }
  }

  /**
   * SIGTERM; does not wait. Through the process handle: {@link Process#destroy()} would also close
   * our end of its output, and with it the lines the process prints while it shuts down.
   */
  public void sigterm() {
    process.toHandle().destroy();
  }

  /**
   * SIGKILL to the process alone (not its descendants); returns at once, its output is still read.
   */
  public void sigkill() {
    process.toHandle().destroyForcibly();
  }

  /**
   * Waits for the process to exit and for its output to be read to the end.
   *
   * @return whether it exited within {@code timeout}
   */
  public boolean waitFor(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        return false;
      }
      long left = Math.max(TimeUnit.SECONDS.toNanos(2), deadline - System.nanoTime());
      stdout.awaitEnd(left);
      stderr.awaitEnd(left);
      LIVE.remove(this);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits for the process to exit by itself (and its output to be read) and returns its exit code.
   *
   * @throws HarnessFailure (after killing it) if it still runs after {@code timeout}
   */
  public int awaitExit(Duration timeout) {
    if (!waitFor(timeout)) {
      kill();
      throw new HarnessFailure(
          name + ": still running " + timeout.toSeconds() + " s later; killed" + stderrTail());
    }
    return process.exitValue();
  }

  /**
   * SIGTERM, up to {@code grace} for the process to finish, then SIGKILL (with its descendants).
   */
  public void stop(Duration grace) {
    if (process.isAlive()) {
      sigterm();
      if (!waitFor(grace)) {
        System.err.println(name + " did not stop within " + grace.toSeconds() + " s: SIGKILL");
      }
    }
    kill();
  }

  /**
   * SIGTERM to every one of {@code children} at once, then waits up to {@code timeout} for each to
   * exit (killing it if it does not).
   *
   * @return what went wrong, one message per child that had to be killed
   */
  public static List<String> stopAll(List<ChildProcess> children, Duration timeout) {
    children.forEach(ChildProcess::sigterm);
    List<String> problems = new ArrayList<>();
    for (ChildProcess child : children) {
      try {
        child.awaitExit(timeout);
      } catch (HarnessFailure e) {
        problems.add(e.getMessage());
      }
    }
    return problems;
  }

  /**
   * Kills the process and its descendants at once and waits for it; then for its output. Safe to
   * call again.
   */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
      stdout.awaitEnd(TimeUnit.SECONDS.toNanos(2));
      stderr.awaitEnd(TimeUnit.SECONDS.toNanos(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LIVE.remove(this);
  }

  @Override
  public void close() {
    kill();
  }

  @Override
  public String toString() {
    return "ChildProcess[" + name + ", pid " + pid() + "]";
  }

  /** The last {@code count} of {@code lines}, one per line. */
  public static String tail(List<Line> lines, int count) {
    return text(lines.subList(Math.max(0, lines.size() - count), lines.size()));
  }

  private static String text(List<Line> lines) {
    StringBuilder text = new StringBuilder();
    for (Line line : lines) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(line.text());
    }
    return text.toString();
  }

  private String stderrTail() {
    List<Line> err = stderr.lines();
    return err.isEmpty()
        ? "; stderr empty"
        : "; end of stderr:\n    " + tail(err, 15).replace("\n", "\n    ");
  }
}
