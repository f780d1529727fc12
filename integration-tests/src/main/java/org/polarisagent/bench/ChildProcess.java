package org.polarisagent.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A process the benchmark started: its stdout is read line by line and each line is stamped with
 * {@link System#nanoTime()} when it arrives; stdout and stderr are also kept in files. Every child is registered
 * until it is gone, and a JVM shutdown hook kills whatever is left (with its descendants), so an interrupted run
 * leaves nothing behind.
 *
 * <p>Thread-safe: a reader thread fills the line queue, one caller consumes it.
 */
final class ChildProcess implements AutoCloseable {

    /** A stdout line and the moment it was read. */
    record Line(String text, long nanos) {
    }

    private static final Line END = new Line("", 0);
    private static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ChildProcess child : LIVE) {
                child.kill();
            }
        }, "bench-kill-children"));
    }

    private final String name;
    private final Process process;
    private final long launchNanos;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();

    private ChildProcess(String name, Process process, long launchNanos, Path stdoutFile, Path stderrFile) {
        this.name = name;
        this.process = process;
        this.launchNanos = launchNanos;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
    }

    /**
     * Starts {@code command} with stdin closed, stdout read by this class (and copied to {@code <name>.out} in
     * {@code logDir}) and stderr written to {@code <name>.err}. Environment variables that could slip an agent or
     * Polaris settings into the child are removed, then {@code extraEnv} is added.
     */
    static ChildProcess start(String name, List<String> command, Path logDir, Map<String, String> extraEnv)
            throws IOException {
        Files.createDirectories(logDir);
        Path out = logDir.resolve(name + ".out");
        Path err = logDir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("POLARIS_") || key.equals("JAVA_TOOL_OPTIONS")
                || key.equals("JDK_JAVA_OPTIONS") || key.equals("_JAVA_OPTIONS"));
        env.putAll(extraEnv);
        long launch = System.nanoTime();
        Process process = builder.start();
        ChildProcess child = new ChildProcess(name, process, launch, out, err);
        LIVE.add(child);
        process.getOutputStream().close();
        Thread reader = new Thread(child::readStdout, "bench-read-" + name);
        reader.setDaemon(true);
        reader.start();
        return child;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    /** {@link System#nanoTime()} just before the process was started. */
    long launchNanos() {
        return launchNanos;
    }

    /**
     * Waits for the next stdout line that matches {@code pattern} (lines before it are skipped).
     *
     * @throws BenchException if the process ends its output or the timeout passes first
     */
    Line awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Line line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new BenchException(name + ": no line matching '" + pattern + "' within " + timeout.toSeconds()
                        + " s" + tail());
            }
            if (line == END) {
                lines.add(END);
                throw new BenchException(name + ": output ended (exit code " + exitCodeSoon() + ") without a line "
                        + "matching '" + pattern + "'" + tail());
            }
            if (pattern.matcher(line.text()).find()) {
                return line;
            }
        }
    }

    /**
     * Waits for the process to exit by itself and returns its exit code.
     *
     * @throws BenchException (after killing it) if it is still running after {@code timeout}
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new BenchException(name + ": still running " + timeout.toSeconds() + " s later; killed");
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** SIGTERM, up to {@code grace} for the process to finish, then SIGKILL (with its descendants). */
    void stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.println("bench: " + name + " did not stop within " + grace.toSeconds() + " s: SIGKILL");
            }
        }
        kill();
    }

    /** Everything the process wrote on stderr so far. */
    String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the process and its descendants at once. Safe to call several times. */
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

    private void readStdout() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             BufferedWriter copy = Files.newBufferedWriter(stdoutFile, StandardCharsets.UTF_8)) {
            String text;
            while ((text = in.readLine()) != null) {
                lines.add(new Line(text, System.nanoTime()));
                copy.write(text);
                copy.newLine();
                copy.flush();
            }
        } catch (IOException e) {
            // The process is gone or killed: its output ends here.
        } finally {
            lines.add(END);
        }
    }

    private String exitCodeSoon() {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                return String.valueOf(process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "still running";
    }

    /** The last lines of stderr, for error messages. */
    private String tail() {
        List<String> err = stderr().lines().collect(Collectors.toList());
        if (err.isEmpty()) {
            return "; stderr empty (" + stderrFile + ")";
        }
        return "; end of " + stderrFile + ":\n    "
                + String.join("\n    ", err.subList(Math.max(0, err.size() - 15), err.size()));
    }

    /** The first group of {@code pattern} in {@code text}, or {@code null}. */
    static String group(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }
}
