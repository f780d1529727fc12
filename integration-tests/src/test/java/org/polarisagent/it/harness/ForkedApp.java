package org.polarisagent.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.testing.ChildProcess;

/**
 * A sample app's {@code main} running in its own JVM, optionally with {@code
 * -javaagent:polaris-agent.jar}, the way a user runs an app; or an executable jar run with {@code
 * java -jar} ({@link #jar(Path)}, e.g. a Spring Boot fat jar). A main class's class path is the
 * runtime class path of the integration-tests module (no test libraries: no JUnit, no polaris-all),
 * read from the file named by system property {@code sample.classpath.file} plus the classes folder
 * named by {@code sample.classes.dir} (both set by surefire); PlainApp's own logging and Byte Buddy
 * only with {@link Builder#withAppLibraries()}; {@link Builder#classpathOnly(String)} replaces all
 * of it (e.g. another gRPC version). {@link Builder#javaHome(Path)} runs it on another JDK.
 *
 * <p>Each app gets a fresh working directory and its output is kept in memory and in files, under
 * {@code target/forked-apps/<time>-<n>-<name>/}: {@code work/} (working directory), {@code
 * stdout.log}, {@code stderr.log}, {@code command.txt}. The fork does not inherit the test JVM's
 * {@code JAVA_TOOL_OPTIONS} or {@code POLARIS_*} environment variables; set them with {@link
 * Builder#env} when a test wants them.
 *
 * <pre>
 * // POLARIS.agentApp(EchoProvider.class, "p1") gives the same builder with a test's server.
 * try (ForkedApp provider = ForkedApp.main(EchoProvider.class).withAgent()
 *         .property("polaris.address", server.grpcAddress()).args("--name=p1").start()) {
 *     int port = Integer.parseInt(provider.awaitLine("READY port=(\\d+).*", Duration.ofSeconds(30)).group(1));
 *     ...
 *     provider.sigterm();
 *     assertTrue(provider.waitFor(Duration.ofSeconds(20)));
 * }
 * </pre>
 *
 * <p>Thread-safe. {@link #close()} kills the process if it still runs; a JVM shutdown hook kills
 * forgotten ones (the process itself is a {@link ChildProcess}, shared with the benchmarks and the
 * demo).
 */
public final class ForkedApp implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final DateTimeFormatter DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
  private static final int TAIL_LINES = 40;

  private final String name;
  private final ChildProcess process;
  private final Path directory;
  private final List<String> command;

  private ForkedApp(String name, ChildProcess process, Path directory, List<String> command) {
    this.name = name;
    this.process = process;
    this.directory = directory;
    this.command = command;
  }

  /** Starts describing a fork that runs {@code mainClass.main}. */
  public static Builder main(Class<?> mainClass) {
    return main(mainClass.getName());
  }

  /** Starts describing a fork that runs the {@code main} of the class with this name. */
  public static Builder main(String mainClassName) {
    return new Builder(
        mainClassName, null, mainClassName.substring(mainClassName.lastIndexOf('.') + 1));
  }

  /**
   * Starts describing a fork that runs {@code java -jar executableJar} (named after the jar's file
   * name): the jar's manifest names the main class and its class path; class path settings of the
   * builder do not apply.
   *
   * @throws IllegalStateException if the jar does not exist
   */
  public static Builder jar(Path executableJar) {
    if (!Files.isRegularFile(executableJar)) {
      throw new IllegalStateException(
          "executable jar "
              + executableJar.toAbsolutePath()
              + " does not exist; build the reactor");
    }
    String file = executableJar.getFileName().toString();
    return new Builder(null, executableJar.toAbsolutePath(), file.replaceFirst("\\.jar$", ""));
  }

  /**
   * The label given with {@link Builder#name} (default: the main class's simple name, or the jar's
   * file name without {@code .jar}).
   */
  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  /** The folder with this app's output files and its working directory {@code work/}. */
  public Path directory() {
    return directory;
  }

  /** The app's working directory. */
  public Path workingDirectory() {
    return directory.resolve("work");
  }

  /** The full command line that started the app. */
  public List<String> command() {
    return command;
  }

  /** All stdout lines so far. */
  public List<String> lines() {
    return texts(process.lines());
  }

  /**
   * The number of stdout lines so far; pass it to {@link #awaitLine(Pattern, Duration, int)} to
   * skip them.
   */
  public int lineCount() {
    return process.lineCount();
  }

  /** All stderr lines so far. */
  public List<String> stderrLines() {
    return texts(process.stderrLines());
  }

  /**
   * Nanoseconds ({@link System#nanoTime()} of this JVM) from {@code sinceNanos} to the first stderr
   * line read after it that contains {@code text}; -1 if none yet.
   */
  public long nanosToStderrLine(long sinceNanos, String text) {
    for (ChildProcess.Line line : process.stderrLines()) {
      if (line.nanos() >= sinceNanos && line.text().contains(text)) {
        return line.nanos() - sinceNanos;
      }
    }
    return -1;
  }

  /** stdout so far, one line per line. */
  public String stdout() {
    return String.join("\n", lines());
  }

  /** stderr so far, one line per line. */
  public String stderr() {
    return process.stderr();
  }

  /**
   * Waits until a whole stdout line matches {@code regex} and returns the match (for its groups).
   *
   * @throws AssertionError on timeout or if the app ends its output first; the message shows the
   *     output's tail
   */
  public Matcher awaitLine(String regex, Duration timeout) {
    return awaitLine(Pattern.compile(regex), timeout, 0);
  }

  /**
   * Like {@link #awaitLine(String, Duration)}, looking only at lines from index {@code fromLine}
   * on.
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout, int fromLine) {
    String line =
        await(
            false,
            l -> pattern.matcher(l).matches(),
            timeout,
            fromLine,
            "a stdout line matching /" + pattern + "/");
    Matcher matcher = pattern.matcher(line);
    if (!matcher.matches()) {
      throw new IllegalStateException("unreachable: line no longer matches");
    }
    return matcher;
  }

  /**
   * Waits until a stdout line satisfies {@code condition} and returns it; {@code what} names it on
   * failure.
   */
  public String awaitLine(Predicate<String> condition, Duration timeout, String what) {
    return await(false, condition, timeout, 0, what);
  }

  /** Waits until a whole stderr line matches {@code regex} and returns the match. */
  public Matcher awaitStderrLine(String regex, Duration timeout) {
    Pattern pattern = Pattern.compile(regex);
    String line =
        await(
            true,
            l -> pattern.matcher(l).matches(),
            timeout,
            0,
            "a stderr line matching /" + pattern + "/");
    Matcher matcher = pattern.matcher(line);
    matcher.matches();
    return matcher;
  }

  private String await(
      boolean onStderr, Predicate<String> condition, Duration timeout, int fromLine, String what) {
    ChildProcess.Line line =
        onStderr
            ? process.awaitStderrLine(condition, timeout, fromLine)
            : process.awaitLine(condition, timeout, fromLine);
    if (line == null) {
      boolean ended = onStderr ? process.stderrEnded() : process.stdoutEnded();
      throw new AssertionError(
          (ended ? "output ended" : "timed out after " + timeout.toMillis() + " ms")
              + " without "
              + what
              + "; "
              + describe()
              + (ended ? "" : threadsAtTimeout()));
    }
    return line.text();
  }

  /**
   * The threads of an app still running when a wait timed out (a hang shows where it hangs), also
   * kept in its folder; empty if it ended or cannot be asked.
   */
  private String threadsAtTimeout() {
    if (!process.isAlive()) {
      return "";
    }
    Path file = directory.resolve("threads-at-timeout.txt");
    try {
      Process jcmd =
          new ProcessBuilder(
                  Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  String.valueOf(process.pid()),
                  "Thread.print")
              .redirectErrorStream(true)
              .redirectOutput(file.toFile())
              .start();
      if (!jcmd.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
        return "";
      }
      String dump = Files.readString(file, StandardCharsets.UTF_8);
      return "\n--- threads at the timeout ("
          + file
          + ") ---\n"
          + (dump.length() > 12_000 ? dump.substring(0, 12_000) + "\n[...]" : dump);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Asks the app to stop (SIGTERM on Linux): its shutdown hooks run and their output is still
   * captured. Does not wait. (Through the process handle: {@code Process.destroy()} would also
   * close the output pipes.)
   */
  public void sigterm() {
    process.sigterm();
  }

  /**
   * Closes the app's stdin: an app that reads it sees its end (a stop signal that needs no signal
   * handling). Does not wait.
   */
  public void closeStdin() {
    process.closeStdin();
  }

  /** Kills the app (SIGKILL): no shutdown hook runs. Does not wait. */
  public void sigkill() {
    process.sigkill();
  }

  /**
   * Waits for the app to exit and for its output to be read to the end.
   *
   * @return whether it exited within {@code timeout}
   */
  public boolean waitFor(Duration timeout) {
    return process.waitFor(timeout);
  }

  /**
   * The exit code.
   *
   * @throws IllegalStateException if the app still runs
   */
  public int exitCode() {
    return process.exitCode();
  }

  /** The last lines of stdout and stderr, for assertion messages. */
  public String describe() {
    return "forked app "
        + name
        + " (pid "
        + pid()
        + (process.isAlive() ? ", running" : ", exit " + process.exitCode())
        + ", files in "
        + directory
        + ")\n--- stdout (tail) ---\n"
        + ChildProcess.tail(process.lines(), TAIL_LINES)
        + "\n--- stderr (tail) ---\n"
        + ChildProcess.tail(process.stderrLines(), TAIL_LINES);
  }

  /** Kills the app if it still runs and waits for it; then closes its output files. */
  @Override
  public void close() {
    process.close();
  }

  @Override
  public String toString() {
    return "ForkedApp[" + name + ", pid " + pid() + "]";
  }

  private static List<String> texts(List<ChildProcess.Line> lines) {
    List<String> texts = new ArrayList<>(lines.size());
    lines.forEach(line -> texts.add(line.text()));
    return texts;
  }

  /** Describes a fork; {@link #start()} launches it. Not thread-safe. */
  public static final class Builder {
    private final String mainClass;
    private final Path executableJar;
    private String name;
    private Path agentJar;
    private String agentArguments;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();
    private final List<Path> extraClasspath = new ArrayList<>();
    private String ownClasspath;
    private boolean appLibraries;
    private Path javaHome;

    /** One of {@code mainClass} and {@code executableJar} is null. */
    private Builder(String mainClass, Path executableJar, String name) {
      this.mainClass = mainClass;
      this.executableJar = executableJar;
      this.name = name;
    }

    /** A label for thread names, files and messages. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /**
     * Adds {@code -javaagent:} with the jar named by system property {@code agent.jar} (set by
     * surefire to {@code dist/target/polaris-agent.jar}).
     *
     * @throws IllegalStateException if that jar does not exist
     */
    public Builder withAgent() {
      String path = System.getProperty("agent.jar");
      if (path == null) {
        throw new IllegalStateException("system property agent.jar is not set (surefire sets it)");
      }
      return withAgent(Paths.get(path));
    }

    /** Adds {@code -javaagent:<jar>}. */
    public Builder withAgent(Path jar) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            "agent jar "
                + jar.toAbsolutePath()
                + " does not exist; build it with: mvn -pl dist -am install -DskipTests");
      }
      this.agentJar = jar.toAbsolutePath();
      return this;
    }

    /** Agent arguments: {@code -javaagent:<jar>=<arguments>}. */
    public Builder agentArguments(String arguments) {
      this.agentArguments = arguments;
      return this;
    }

    /** Adds {@code -D<key>=<value>}. */
    public Builder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    /** Adds JVM options, placed before the main class (e.g. {@code -Xmx256m}). */
    public Builder jvmArgs(String... options) {
      jvmArgs.addAll(List.of(options));
      return this;
    }

    /** Sets an environment variable of the fork. */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    /** Appends program arguments. */
    public Builder args(String... arguments) {
      args.addAll(List.of(arguments));
      return this;
    }

    /**
     * Adds the libraries an app like {@code PlainApp} brings for itself: slf4j 2 + logback and Byte
     * Buddy 1.14.19 (file named by system property {@code sample.app-libraries.file}). The gRPC
     * samples run without them.
     */
    public Builder withAppLibraries() {
      this.appLibraries = true;
      return this;
    }

    /**
     * Runs the fork on the Java runtime at {@code home} instead of the test JVM's, with the sample
     * apps' Java 11 class files (folder named by system property {@code sample.classes-java11.dir},
     * set by surefire) so that they load on every JDK from 11 on.
     */
    public Builder javaHome(Path home) {
      if (!Files.isExecutable(home.resolve("bin").resolve("java"))) {
        throw new IllegalStateException("no bin/java in " + home.toAbsolutePath());
      }
      this.javaHome = home.toAbsolutePath();
      return this;
    }

    /** Appends class path entries after the module's runtime class path. */
    public Builder classpath(Path... entries) {
      extraClasspath.addAll(List.of(entries));
      return this;
    }

    /**
     * Replaces the whole default class path (module classes, runtime class path, app libraries)
     * with {@code classpath}, a list in the platform's {@code -cp} syntax, e.g. to run a sample on
     * another gRPC version; entries given with {@link #classpath(Path...)} are still appended.
     */
    public Builder classpathOnly(String classpath) {
      this.ownClasspath = classpath;
      return this;
    }

    /** Launches the JVM; returns at once (await its output with {@link ForkedApp#awaitLine}). */
    public ForkedApp start() {
      try {
        Path directory =
            outputRoot()
                .resolve(
                    LocalDateTime.now().format(DIR_TIME)
                        + "-"
                        + COUNTER.incrementAndGet()
                        + "-"
                        + name);
        Path work = directory.resolve("work");
        Files.createDirectories(work);
        List<String> command = command(directory);
        Files.write(
            directory.resolve("command.txt"),
            List.of(String.join(" \\\n  ", command)),
            StandardCharsets.UTF_8);
        ChildProcess process =
            ChildProcess.start(
                name,
                command,
                work,
                directory.resolve("stdout.log"),
                directory.resolve("stderr.log"),
                env);
        return new ForkedApp(name, process, directory, Collections.unmodifiableList(command));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot start " + (mainClass != null ? mainClass : executableJar), e);
      }
    }

    private List<String> command(Path directory) throws IOException {
      List<String> command = new ArrayList<>();
      Path home = javaHome != null ? javaHome : Paths.get(System.getProperty("java.home"));
      command.add(home.resolve("bin").resolve("java").toString());
      if (agentJar != null) {
        command.add(
            "-javaagent:" + agentJar + (agentArguments == null ? "" : "=" + agentArguments));
        // Each app's SDK log beside its other output, unless the test chose a file.
        if (!properties.containsKey("polaris.log.sdk.file")) {
          command.add(
              "-Dpolaris.log.sdk.file=" + directory.resolve("polaris-sdk.log").toAbsolutePath());
        }
      }
      command.addAll(jvmArgs);
      properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
      if (executableJar != null) {
        command.add("-jar");
        command.add(executableJar.toString());
      } else {
        command.add("-cp");
        command.add(sampleClasspath());
        command.add(mainClass);
      }
      command.addAll(args);
      return command;
    }

    private String sampleClasspath() throws IOException {
      if (ownClasspath != null) {
        List<String> entries = new ArrayList<>();
        entries.add(ownClasspath);
        extraClasspath.forEach(extra -> entries.add(extra.toAbsolutePath().toString()));
        return String.join(java.io.File.pathSeparator, entries);
      }
      Path file =
          Paths.get(System.getProperty("sample.classpath.file", "target/runtime-classpath.txt"));
      Path classes =
          javaHome == null
              ? Paths.get(System.getProperty("sample.classes.dir", "target/classes"))
              : Paths.get(System.getProperty("sample.classes-java11.dir", "target/samples-java11"));
      if (!Files.isRegularFile(file) || !Files.isDirectory(classes)) {
        throw new IllegalStateException(
            "missing "
                + file.toAbsolutePath()
                + " or "
                + classes.toAbsolutePath()
                + "; run: mvn -pl integration-tests process-classes");
      }
      List<String> entries = new ArrayList<>();
      entries.add(classes.toAbsolutePath().toString());
      entries.add(readClasspathFile(file));
      if (appLibraries) {
        Path libraries =
            Paths.get(
                System.getProperty(
                    "sample.app-libraries.file", "target/app-libraries-classpath.txt"));
        if (!Files.isRegularFile(libraries)) {
          throw new IllegalStateException(
              "missing "
                  + libraries.toAbsolutePath()
                  + "; run: mvn -pl integration-tests process-classes");
        }
        entries.add(readClasspathFile(libraries));
      }
      for (Path extra : extraClasspath) {
        entries.add(extra.toAbsolutePath().toString());
      }
      return String.join(java.io.File.pathSeparator, entries);
    }

    private static String readClasspathFile(Path file) throws IOException {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
    }

    private static Path outputRoot() {
      return Paths.get(System.getProperty("it.output.dir", "target")).resolve("forked-apps");
    }
  }
}
