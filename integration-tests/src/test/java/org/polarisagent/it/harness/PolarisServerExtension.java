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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.PolarisOpenApi;

/**
 * One real Polaris server per test class, on free loopback ports, started and stopped through
 * {@code integration-tests/polaris-server/polaris-server.sh} (system property {@code polaris.server.script}).
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PolarisServerExtension POLARIS = new PolarisServerExtension();
 * </pre>
 * or {@code @ExtendWith(PolarisServerExtension.class)} with a {@code PolarisServerExtension} parameter in a test,
 * {@code @BeforeAll} method or constructor.
 *
 * <p>The server starts before the first test of the class and stops after the last one, also when tests fail;
 * the script stops it too if the test JVM dies ({@code POLARIS_WATCH_PID}). Its run directory (store, log
 * {@code polaris-server.log}, the script's output) is {@code target/polaris-runs/<TestClass>-<time>/}.
 *
 * <p>{@link #stop()} and {@link #start()} stop and start the same server again on the same ports and run
 * directory, e.g. to test a Polaris outage. The script starts every server with an empty store: after a restart,
 * namespaces, services and rules created through the OpenAPI are gone and must be created again; instances come
 * back as their owners register again. The log of each earlier run is kept as {@code polaris-server-<n>.log}.
 *
 * <p>Thread-safe.
 */
public final class PolarisServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(5);
    private static final DateTimeFormatter DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");
    private static final int START_ATTEMPTS = 3;

    private final boolean clientAuth;
    private String owner;
    private Path runDir;
    private int httpPort;
    private int grpcPort;
    private boolean running;
    private String token;
    private PolarisOpenApi openApi;
    private Duration lastStartDuration = Duration.ZERO;
    private int scriptRuns;
    private boolean keepDataOnStart;
    private Thread stopAtExit;

    /** A server as the default configuration has it: only the console APIs check the token. */
    public PolarisServerExtension() {
        this(false);
    }

    private PolarisServerExtension(boolean clientAuth) {
        this.clientAuth = clientAuth;
    }

    /** A server whose client APIs (register, heartbeat, discover) check the token too; {@link #adminToken()} passes. */
    public static PolarisServerExtension withClientAuth() {
        return new PolarisServerExtension(true);
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        if (owner != null) {
            return; // already started for an enclosing class
        }
        owner = context.getUniqueId();
        runDir = outputRoot().resolve("polaris-runs").resolve(
                context.getRequiredTestClass().getSimpleName() + "-" + LocalDateTime.now().format(DIR_TIME));
        for (int attempt = 1; ; attempt++) {
            List<Integer> ports = FreePorts.pick(2);
            httpPort = ports.get(0);
            grpcPort = ports.get(1);
            try {
                start();
                return;
            } catch (IllegalStateException e) {
                // Another process may have taken a picked port in between: pick again.
                if (attempt >= START_ATTEMPTS || !e.getMessage().contains("already in use")) {
                    owner = null;
                    throw e;
                }
            }
        }
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (context.getUniqueId().equals(owner)) {
            owner = null;
            stop();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PolarisServerExtension.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return this;
    }

    /**
     * Starts the server (again) on this extension's ports and run directory, with an empty store, and waits until
     * it serves the OpenAPI and the SDK port. Does nothing if it runs.
     *
     * @throws IllegalStateException if it does not start; the message has the script's output and the log's tail
     */
    public synchronized void start() {
        start(false);
    }

    /**
     * Starts the stopped server again with the store it had, as a real server comes back after an outage.
     * Does nothing if it runs.
     */
    public synchronized void resume() {
        start(true);
    }

    private void start(boolean keepData) {
        requireConfigured();
        if (running) {
            return;
        }
        keepPreviousLog();
        long begin = System.nanoTime();
        keepDataOnStart = keepData;
        String output = runScript("start");
        lastStartDuration = Duration.ofNanos(System.nanoTime() - begin);
        running = true;
        if (token == null) {
            token = runScript("token").trim();
        }
        openApi = new PolarisOpenApi("http://127.0.0.1:" + httpPort, token);
        if (stopAtExit == null) {
            stopAtExit = new Thread(this::stopQuietly, "polaris-server-stop");
            Runtime.getRuntime().addShutdownHook(stopAtExit);
        }
        System.out.println("[polaris-server] " + output.trim() + " (" + lastStartDuration.toMillis() + " ms)");
    }

    /** Stops the server (SIGTERM, then SIGKILL after the script's timeout) and waits for it. Idempotent. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        runScript("stop");
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** The SDK's address, {@code 127.0.0.1:<grpc port>}: the value for the agent's server address setting. */
    public String grpcAddress() {
        return "127.0.0.1:" + grpcPort();
    }

    public synchronized int grpcPort() {
        requireConfigured();
        return grpcPort;
    }

    public synchronized int httpPort() {
        requireConfigured();
        return httpPort;
    }

    /** The OpenAPI client, authenticated as admin. */
    /** The token of the server's admin user (the store's seed): valid on every API. */
    public synchronized String adminToken() {
        requireConfigured();
        return token;
    }

    public synchronized PolarisOpenApi openApi() {
        requireConfigured();
        if (openApi == null) {
            throw new IllegalStateException("the Polaris server has not started");
        }
        return openApi;
    }

    /** The run directory: store, {@code polaris-server.log}, the script's output. */
    public synchronized Path runDir() {
        requireConfigured();
        return runDir;
    }

    /** The server's log file. */
    public Path logFile() {
        return runDir().resolve("polaris-server.log");
    }

    /** How long the last {@link #start()} took, from launching the script until the server served. */
    public synchronized Duration lastStartDuration() {
        return lastStartDuration;
    }

    /** The script deletes the log on start: keep the one of the previous run as polaris-server-<n>.log. */
    private void keepPreviousLog() {
        Path log = runDir.resolve("polaris-server.log");
        if (!Files.exists(log)) {
            return;
        }
        try {
            for (int n = 1; ; n++) {
                Path kept = runDir.resolve("polaris-server-" + n + ".log");
                if (!Files.exists(kept)) {
                    Files.move(log, kept);
                    return;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep " + log, e);
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException ignored) {
            // JVM exit: nothing more to do; the server also watches this JVM's pid.
        }
    }

    private void requireConfigured() {
        if (runDir == null) {
            throw new IllegalStateException("the Polaris server extension has not run yet: register it with "
                    + "@RegisterExtension on a static field or @ExtendWith on the class");
        }
    }

    /** Runs {@code polaris-server.sh <command>} for this server; returns its stdout or throws with its output. */
    private String runScript(String command) {
        Path script = script();
        try {
            Files.createDirectories(runDir);
            int run = ++scriptRuns;
            Path out = runDir.resolve("script-" + run + "-" + command + ".out");
            Path err = runDir.resolve("script-" + run + "-" + command + ".err");
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            env.put("POLARIS_RUN_DIR", runDir.toAbsolutePath().toString());
            env.put("POLARIS_HTTP_PORT", String.valueOf(httpPort));
            env.put("POLARIS_GRPC_PORT", String.valueOf(grpcPort));
            env.put("POLARIS_WATCH_PID", String.valueOf(ProcessHandle.current().pid()));
            env.put("POLARIS_KEEP_DATA", String.valueOf(keepDataOnStart));
            env.put("POLARIS_CLIENT_AUTH", String.valueOf(clientAuth));
            Process process = builder.start();
            if (!process.waitFor(SCRIPT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("polaris-server.sh " + command + " did not finish in "
                        + SCRIPT_TIMEOUT.toSeconds() + " s; " + outputOf(out, err));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("polaris-server.sh " + command + " failed with exit code "
                        + process.exitValue() + "; " + outputOf(out, err));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script + " " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running polaris-server.sh " + command, e);
        }
    }

    private static String outputOf(Path out, Path err) throws IOException {
        return "stdout: " + Files.readString(out, StandardCharsets.UTF_8).trim()
                + "\nstderr: " + Files.readString(err, StandardCharsets.UTF_8).trim();
    }

    private static Path script() {
        String path = System.getProperty("polaris.server.script", "polaris-server/polaris-server.sh");
        Path script = Paths.get(path);
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("Polaris server script " + script.toAbsolutePath() + " not found "
                    + "(system property polaris.server.script)");
        }
        return script;
    }

    private static Path outputRoot() {
        return Paths.get(System.getProperty("it.output.dir", "target"));
    }
}
