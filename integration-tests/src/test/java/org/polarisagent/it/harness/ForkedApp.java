package org.polarisagent.it.harness;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sample app's {@code main} running in its own JVM, optionally with {@code -javaagent:polaris-agent.jar}, the
 * way a user runs an app. Its class path is the runtime class path of the integration-tests module (no test
 * libraries: no JUnit, no polaris-all), read from the file named by system property {@code sample.classpath.file}
 * plus the classes folder named by {@code sample.classes.dir} (both set by surefire); PlainApp's own logging and
 * Byte Buddy only with {@link Builder#withAppLibraries()}; {@link Builder#classpathOnly(String)} replaces all of
 * it (e.g. another gRPC version).
 *
 * <p>Each app gets a fresh working directory and its output is kept in memory and in files, under
 * {@code target/forked-apps/<time>-<n>-<name>/}: {@code work/} (working directory), {@code stdout.log},
 * {@code stderr.log}, {@code command.txt}. The fork does not inherit the test JVM's {@code JAVA_TOOL_OPTIONS}
 * or {@code POLARIS_*} environment variables; set them with {@link Builder#env} when a test wants them.
 *
 * <pre>
 * try (ForkedApp provider = ForkedApp.main(EchoProvider.class).withAgent()
 *         .property("polaris.address", server.grpcAddress()).args("--name=p1").start()) {
 *     int port = Integer.parseInt(provider.awaitLine("READY port=(\\d+).*", Duration.ofSeconds(30)).group(1));
 *     ...
 *     provider.sigterm();
 *     assertTrue(provider.waitFor(Duration.ofSeconds(20)));
 * }
 * </pre>
 *
 * <p>Thread-safe. {@link #close()} kills the process if it still runs; a JVM shutdown hook kills forgotten ones.
 */
public final class ForkedApp implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<ForkedApp> LIVE = ConcurrentHashMap.newKeySet();
    private static final DateTimeFormatter DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final int TAIL_LINES = 40;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ForkedApp app : LIVE) {
                app.process.destroyForcibly();
            }
        }, "forked-app-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path directory;
    private final List<String> command;
    private final Output stdout;
    private final Output stderr;

    private ForkedApp(String name, Process process, Path directory, List<String> command) throws IOException {
        this.name = name;
        this.process = process;
        this.directory = directory;
        this.command = command;
        this.stdout = new Output(name + "-stdout", process.getInputStream(), directory.resolve("stdout.log"));
        this.stderr = new Output(name + "-stderr", process.getErrorStream(), directory.resolve("stderr.log"));
    }

    /** Starts describing a fork that runs {@code mainClass.main}. */
    public static Builder main(Class<?> mainClass) {
        return new Builder(mainClass.getName());
    }

    /** Starts describing a fork that runs the {@code main} of the class with this name. */
    public static Builder main(String mainClassName) {
        return new Builder(mainClassName);
    }

    /** The label given with {@link Builder#name} (default: the main class's simple name). */
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
        return stdout.lines();
    }

    /** The number of stdout lines so far; pass it to {@link #awaitLine(Pattern, Duration, int)} to skip them. */
    public int lineCount() {
        return stdout.count();
    }

    /** All stderr lines so far. */
    public List<String> stderrLines() {
        return stderr.lines();
    }

    /** stdout so far, one line per line. */
    public String stdout() {
        return String.join("\n", stdout.lines());
    }

    /** stderr so far, one line per line. */
    public String stderr() {
        return String.join("\n", stderr.lines());
    }

    /**
     * Waits until a whole stdout line matches {@code regex} and returns the match (for its groups).
     *
     * @throws AssertionError on timeout or if the app ends its output first; the message shows the output's tail
     */
    public Matcher awaitLine(String regex, Duration timeout) {
        return awaitLine(Pattern.compile(regex), timeout, 0);
    }

    /** Like {@link #awaitLine(String, Duration)}, looking only at lines from index {@code fromLine} on. */
    public Matcher awaitLine(Pattern pattern, Duration timeout, int fromLine) {
        String line = await(stdout, l -> pattern.matcher(l).matches(), timeout, fromLine,
                "a stdout line matching /" + pattern + "/");
        Matcher matcher = pattern.matcher(line);
        if (!matcher.matches()) {
            throw new IllegalStateException("unreachable: line no longer matches");
        }
        return matcher;
    }

    /** Waits until a stdout line satisfies {@code condition} and returns it; {@code what} names it on failure. */
    public String awaitLine(Predicate<String> condition, Duration timeout, String what) {
        return await(stdout, condition, timeout, 0, what);
    }

    /** Waits until a whole stderr line matches {@code regex} and returns the match. */
    public Matcher awaitStderrLine(String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        String line = await(stderr, l -> pattern.matcher(l).matches(), timeout, 0,
                "a stderr line matching /" + pattern + "/");
        Matcher matcher = pattern.matcher(line);
        matcher.matches();
        return matcher;
    }

    private String await(Output output, Predicate<String> condition, Duration timeout, int fromLine, String what) {
        String line = output.await(condition, timeout, fromLine);
        if (line == null) {
            throw new AssertionError((output.ended() ? "output ended" : "timed out after " + timeout.toMillis() + " ms")
                    + " without " + what + "; " + describe());
        }
        return line;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Asks the app to stop (SIGTERM on Linux): its shutdown hooks run and their output is still captured. Does not
     * wait. (Through the process handle: {@code Process.destroy()} would also close the output pipes.)
     */
    public void sigterm() {
        process.toHandle().destroy();
    }

    /**
     * Closes the app's stdin: an app that reads it sees its end (a stop signal that needs no signal handling).
     * Does not wait.
     */
    public void closeStdin() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the stdin of " + name, e);
        }
    }

    /** Kills the app (SIGKILL): no shutdown hook runs. Does not wait. */
    public void sigkill() {
        process.toHandle().destroyForcibly();
    }

    /**
     * Waits for the app to exit and for its output to be read to the end.
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
     * The exit code.
     *
     * @throws IllegalStateException if the app still runs
     */
    public int exitCode() {
        return process.exitValue();
    }

    /** The last lines of stdout and stderr, for assertion messages. */
    public String describe() {
        return "forked app " + name + " (pid " + pid() + (process.isAlive() ? ", running" : ", exit " + process.exitValue())
                + ", files in " + directory + ")\n--- stdout (tail) ---\n" + tail(stdout.lines())
                + "\n--- stderr (tail) ---\n" + tail(stderr.lines());
    }

    /** Kills the app if it still runs and waits for it; then closes its output files. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.toHandle().destroyForcibly();
        }
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
    public String toString() {
        return "ForkedApp[" + name + ", pid " + pid() + "]";
    }

    private static String tail(List<String> lines) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** Describes a fork; {@link #start()} launches it. Not thread-safe. */
    public static final class Builder {
        private final String mainClass;
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

        private Builder(String mainClass) {
            this.mainClass = mainClass;
            this.name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
        }

        /** A label for thread names, files and messages. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Adds {@code -javaagent:} with the jar named by system property {@code agent.jar} (set by surefire to
         * {@code dist/target/polaris-agent.jar}).
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
                throw new IllegalStateException("agent jar " + jar.toAbsolutePath()
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
         * Adds the libraries an app like {@code PlainApp} brings for itself: slf4j 2 + logback and Byte Buddy
         * 1.14.19 (file named by system property {@code sample.app-libraries.file}). The gRPC samples run
         * without them.
         */
        public Builder withAppLibraries() {
            this.appLibraries = true;
            return this;
        }

        /** Appends class path entries after the module's runtime class path. */
        public Builder classpath(Path... entries) {
            extraClasspath.addAll(List.of(entries));
            return this;
        }

        /**
         * Replaces the whole default class path (module classes, runtime class path, app libraries) with
         * {@code classpath}, a list in the platform's {@code -cp} syntax, e.g. to run a sample on another gRPC
         * version; entries given with {@link #classpath(Path...)} are still appended.
         */
        public Builder classpathOnly(String classpath) {
            this.ownClasspath = classpath;
            return this;
        }

        /** Launches the JVM; returns at once (await its output with {@link ForkedApp#awaitLine}). */
        public ForkedApp start() {
            try {
                Path directory = outputRoot().resolve(LocalDateTime.now().format(DIR_TIME) + "-"
                        + COUNTER.incrementAndGet() + "-" + name);
                Path work = directory.resolve("work");
                Files.createDirectories(work);
                List<String> command = command(directory);
                Files.write(directory.resolve("command.txt"), List.of(String.join(" \\\n  ", command)),
                        StandardCharsets.UTF_8);
                ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
                Map<String, String> environment = builder.environment();
                environment.remove("JAVA_TOOL_OPTIONS");
                environment.remove("JDK_JAVA_OPTIONS");
                environment.keySet().removeIf(key -> key.startsWith("POLARIS_"));
                environment.putAll(env);
                Process process = builder.start();
                try {
                    ForkedApp app = new ForkedApp(name, process, directory, Collections.unmodifiableList(command));
                    LIVE.add(app);
                    return app;
                } catch (IOException | RuntimeException e) {
                    process.destroyForcibly();
                    throw e;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + mainClass, e);
            }
        }

        private List<String> command(Path directory) throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            if (agentJar != null) {
                command.add("-javaagent:" + agentJar + (agentArguments == null ? "" : "=" + agentArguments));
                // Each app's SDK log beside its other output, unless the test chose a file.
                if (!properties.containsKey("polaris.log.sdk.file")) {
                    command.add("-Dpolaris.log.sdk.file=" + directory.resolve("polaris-sdk.log").toAbsolutePath());
                }
            }
            command.addAll(jvmArgs);
            properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
            command.add("-cp");
            command.add(sampleClasspath());
            command.add(mainClass);
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
            Path file = Paths.get(System.getProperty("sample.classpath.file", "target/runtime-classpath.txt"));
            Path classes = Paths.get(System.getProperty("sample.classes.dir", "target/classes"));
            if (!Files.isRegularFile(file) || !Files.isDirectory(classes)) {
                throw new IllegalStateException("missing " + file.toAbsolutePath() + " or " + classes.toAbsolutePath()
                        + "; run: mvn -pl integration-tests process-classes");
            }
            List<String> entries = new ArrayList<>();
            entries.add(classes.toAbsolutePath().toString());
            entries.add(readClasspathFile(file));
            if (appLibraries) {
                Path libraries = Paths.get(System.getProperty("sample.app-libraries.file",
                        "target/app-libraries-classpath.txt"));
                if (!Files.isRegularFile(libraries)) {
                    throw new IllegalStateException("missing " + libraries.toAbsolutePath()
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

    /** One output stream of the app: read by a daemon thread into memory and a file, line by line. */
    private static final class Output {
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;
        private boolean ended;

        Output(String threadName, InputStream stream, Path file) throws IOException {
            Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            reader = new Thread(() -> pump(stream, writer), threadName);
            reader.setDaemon(true);
            reader.start();
        }

        private void pump(InputStream stream, Writer writer) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
                    BufferedWriter out = new BufferedWriter(writer)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    synchronized (this) {
                        lines.add(line);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    lines.add("[harness: output read failed: " + e + "]");
                }
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        synchronized List<String> lines() {
            return new ArrayList<>(lines);
        }

        synchronized int count() {
            return lines.size();
        }

        synchronized boolean ended() {
            return ended;
        }

        /** The first line from index {@code fromLine} on that satisfies {@code condition}; null if none in time. */
        String await(Predicate<String> condition, Duration timeout, int fromLine) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int next = fromLine;
            synchronized (this) {
                while (true) {
                    for (; next < lines.size(); next++) {
                        if (condition.test(lines.get(next))) {
                            return lines.get(next);
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (ended || left <= 0) {
                        return null;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return null;
                    }
                }
            }
        }

        void awaitEnd(long nanos) throws InterruptedException {
            reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        }
    }
}
