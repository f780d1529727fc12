package org.polarisagent.bench.load;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process the system benchmark started. Its stdout lines are kept (and copied to {@code <name>.out}), each
 * stamped with the {@link WallClock} time it was read; stderr goes to {@code <name>.err}; stdin stays open for
 * commands. Every child is tracked until it has exited, and a shutdown hook of the driver kills what is left with
 * its descendants, so that no process outlives the run.
 *
 * <p>Thread-safe.
 */
final class Child implements AutoCloseable {

    /** A stdout line and when it was read. */
    record Line(String text, long atMicros) {
    }

    private static final Set<Child> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Child::kill), "bench-kill-children"));
    }

    private final String name;
    private final Process process;
    private final Path stderrFile;
    private final Writer stdin;
    private volatile String label;
    private final List<Line> lines = new ArrayList<>();
    private boolean ended;

    private Child(String name, Process process, Path stderrFile) {
        this.name = name;
        this.process = process;
        this.stderrFile = stderrFile;
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts {@code command}. Environment variables that could slip an agent or Polaris settings into the child
     * are removed.
     */
    static Child start(String name, List<String> command, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path err = logDir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("POLARIS_") || key.equals("JAVA_TOOL_OPTIONS")
                || key.equals("JDK_JAVA_OPTIONS") || key.equals("_JAVA_OPTIONS"));
        Child child = new Child(name, builder.start(), err);
        LIVE.add(child);
        Path out = logDir.resolve(name + ".out");
        Thread reader = new Thread(() -> child.readStdout(out), "bench-read-" + name);
        reader.setDaemon(true);
        reader.start();
        return child;
    }

    String name() {
        return name;
    }

    /** The name the benchmark knows the app by (e.g. the provider's instance name); the log name by default. */
    String label() {
        return label == null ? name : label;
    }

    Child labelled(String newLabel) {
        label = newLabel;
        return this;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * The first stdout line (from the start of the output) that matches {@code pattern}, waiting for it.
     *
     * @throws BenchFailure if the output ends or {@code timeout} passes first
     */
    Line awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            int next = 0;
            while (true) {
                for (; next < lines.size(); next++) {
                    if (pattern.matcher(lines.get(next).text()).find()) {
                        return lines.get(next);
                    }
                }
                if (ended) {
                    throw new BenchFailure(name + ": output ended without a line matching '" + pattern + "'" + tail());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new BenchFailure(name + ": no line matching '" + pattern + "' within " + timeout.toSeconds()
                            + " s" + tail());
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Every stdout line so far that matches {@code pattern}. */
    List<Line> linesMatching(Pattern pattern) {
        List<Line> found = new ArrayList<>();
        synchronized (lines) {
            for (Line line : lines) {
                if (pattern.matcher(line.text()).find()) {
                    found.add(line);
                }
            }
        }
        return found;
    }

    /** Sends one line to the child's stdin. */
    void send(String command) throws IOException {
        stdin.write(command);
        stdin.write('\n');
        stdin.flush();
    }

    /**
     * SIGTERM. Through the process handle: {@link Process#destroy()} would also close our end of its stdout, and
     * with it the lines the process prints while it shuts down.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL to the process alone (not its descendants); returns at once, its output is still read. */
    void sigkill() {
        process.toHandle().destroyForcibly();
    }

    /**
     * Waits for the process to exit and returns its exit code.
     *
     * @throws BenchFailure (after killing it) if it still runs after {@code timeout}
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new BenchFailure(name + ": still running " + timeout.toSeconds() + " s later; killed" + tail());
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** What the process wrote on stderr so far. */
    String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Kills the process and its descendants. Safe to call several times. */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    @Override
    public void close() {
        kill();
    }

    private void readStdout(Path copyFile) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             BufferedWriter copy = Files.newBufferedWriter(copyFile, StandardCharsets.UTF_8)) {
            String text;
            while ((text = in.readLine()) != null) {
                long at = WallClock.micros();
                synchronized (lines) {
                    lines.add(new Line(text, at));
                    lines.notifyAll();
                }
                copy.write(text);
                copy.newLine();
                copy.flush();
            }
        } catch (IOException e) {
            // The process is gone: its output ends here.
        } finally {
            synchronized (lines) {
                ended = true;
                lines.notifyAll();
            }
        }
    }

    private String tail() {
        List<String> err = stderr().lines().toList();
        return err.isEmpty() ? "" : "; end of stderr:\n    "
                + String.join("\n    ", err.subList(Math.max(0, err.size() - 12), err.size()));
    }

    /** The first group of {@code pattern} in {@code text} as a long. */
    static long number(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        if (!matcher.find()) {
            throw new BenchFailure("no '" + pattern + "' in: " + text);
        }
        return Long.parseLong(matcher.group(1));
    }

    /** The value of {@code key=} in a line such as {@code RESULT calls=12 rps=3}, as a long. */
    static long field(String line, String key) {
        return number(Pattern.compile("\\b" + Pattern.quote(key) + "=(-?\\d+)"), line);
    }
}
