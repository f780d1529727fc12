package org.polarisagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Polaris server on free loopback ports, started and stopped through {@code
 * integration-tests/polaris-server/polaris-server.sh} (which builds the Go server once into its
 * cache) in a run directory of its own: store, log {@code polaris-server.log}, the script's output.
 * Used by the tests (through {@code PolarisServerExtension}), the benchmarks and the demo.
 *
 * <p>The script stops the server by itself once this JVM is gone ({@code POLARIS_WATCH_PID}), and a
 * shutdown hook stops it as well. {@link #stop()} and {@link #start()} stop and start the same
 * server again on the same ports and run directory, e.g. for a Polaris outage. The script starts
 * every server with an empty store unless {@link #resume()} asks it to keep the previous one; the
 * log of each earlier run is kept as {@code polaris-server-<n>.log}.
 *
 * <p>Thread-safe.
 */
public final class PolarisServer implements AutoCloseable {

  private static final int START_ATTEMPTS = 3;

  private final HarnessScript script;
  private final Path runDir;
  private final boolean clientAuth;
  private int httpPort;
  private int grpcPort;
  private boolean running;
  private String token;
  private PolarisOpenApi openApi;
  private Duration lastStartDuration = Duration.ZERO;
  private boolean keepDataOnStart;
  private Duration startTimeout;
  private Thread stopAtExit;

  /**
   * A server that is not started yet.
   *
   * @param script {@code polaris-server.sh}
   * @param clientAuth whether the client APIs (register, heartbeat, discover) check the token too;
   *     by default only the console APIs do
   */
  public PolarisServer(Path script, Path runDir, boolean clientAuth) {
    this.script = new HarnessScript(script, runDir);
    this.runDir = runDir;
    this.clientAuth = clientAuth;
  }

  /**
   * Starts a server with the default configuration and a fresh store in {@code runDir}, on free
   * ports.
   */
  public static PolarisServer start(Path script, Path runDir) {
    PolarisServer server = new PolarisServer(script, runDir, false);
    server.startOnFreePorts();
    return server;
  }

  /** The script named by system property {@code polaris.server.script} (set by surefire). */
  public static Path defaultScript() {
    return Paths.get(
        System.getProperty("polaris.server.script", "polaris-server/polaris-server.sh"));
  }

  /**
   * Picks two free loopback ports and starts the server on them, picking again (up to three times)
   * when another process took a port in between.
   *
   * @throws IllegalStateException if it does not start; the message has the script's output
   */
  public synchronized void startOnFreePorts() {
    for (int attempt = 1; ; attempt++) {
      List<Integer> ports = FreePorts.pick(2);
      httpPort = ports.get(0);
      grpcPort = ports.get(1);
      try {
        start();
        return;
      } catch (IllegalStateException e) {
        if (attempt >= START_ATTEMPTS
            || !String.valueOf(e.getMessage()).contains("already in use")) {
          throw e;
        }
      }
    }
  }

  /**
   * Starts the server on the given ports (e.g. the well-known ones of the demo).
   *
   * @throws IllegalStateException if it does not start, e.g. {@code port 127.0.0.1:N is already in
   *     use}
   */
  public synchronized void startOn(int httpPort, int grpcPort) {
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    start();
  }

  /**
   * How long the script's {@code start} waits for the server to serve (the script's default: 60 s).
   */
  public synchronized PolarisServer startTimeout(Duration timeout) {
    this.startTimeout = timeout;
    return this;
  }

  /**
   * Starts the server (again) on its ports and run directory, with an empty store, and waits until
   * it serves the OpenAPI and the SDK port. Does nothing if it runs.
   *
   * @throws IllegalStateException if it does not start; the message has the script's output and the
   *     log's tail
   */
  public synchronized void start() {
    start(false);
  }

  /**
   * Starts the stopped server again with the store it had, as a real server comes back after an
   * outage. Does nothing if it runs.
   */
  public synchronized void resume() {
    start(true);
  }

  private void start(boolean keepData) {
    if (running) {
      return;
    }
    if (httpPort == 0) {
      throw new IllegalStateException(
          "no ports yet: start the server first with startOnFreePorts()");
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
    System.out.println(
        "[polaris-server] " + output.trim() + " (" + lastStartDuration.toMillis() + " ms)");
  }

  /**
   * Stops the server (SIGTERM, then SIGKILL after the script's timeout) and waits for it.
   * Idempotent.
   */
  public synchronized void stop() {
    if (!running) {
      return;
    }
    running = false;
    runScript("stop");
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  public synchronized boolean isRunning() {
    return running;
  }

  /**
   * The SDK's address, {@code 127.0.0.1:<grpc port>}: the value for the agent's server address
   * setting.
   */
  public String grpcAddress() {
    return "127.0.0.1:" + grpcPort();
  }

  public synchronized int grpcPort() {
    return grpcPort;
  }

  public synchronized int httpPort() {
    return httpPort;
  }

  /** The token of the server's admin user (the store's seed): valid on every API. */
  public synchronized String adminToken() {
    return token;
  }

  /** The OpenAPI client, authenticated as admin. */
  public synchronized PolarisOpenApi openApi() {
    if (openApi == null) {
      throw new IllegalStateException("the Polaris server has not started");
    }
    return openApi;
  }

  /** The run directory: store, {@code polaris-server.log}, the script's output. */
  public Path runDir() {
    return runDir;
  }

  /** The server's log file. */
  public Path logFile() {
    return runDir.resolve("polaris-server.log");
  }

  /** How long the last {@link #start()} took, from launching the script until the server served. */
  public synchronized Duration lastStartDuration() {
    return lastStartDuration;
  }

  /**
   * Healthy instances Polaris lists for {@code service} in namespace default; 0 if it cannot tell.
   */
  public int healthyInstances(String service) {
    try {
      return (int)
          openApi().listInstances(service, "default").stream()
              .filter(PolarisOpenApi.Instance::healthy)
              .count();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /**
   * Polls until Polaris lists exactly {@code count} healthy instances of {@code service}.
   *
   * @throws HarnessFailure if it does not within {@code timeout}
   */
  public void awaitHealthy(String service, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen;
    while ((seen = healthyInstances(service)) != count) {
      if (System.nanoTime() > deadline) {
        throw new HarnessFailure(
            "Polaris lists "
                + seen
                + " healthy instances of "
                + service
                + " after "
                + timeout.toSeconds()
                + " s, expected "
                + count
                + " (server log: "
                + runDir
                + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HarnessFailure("interrupted while waiting for instances of " + service, e);
      }
    }
  }

  /**
   * The script deletes the log on start: keep the one of the previous run as
   * polaris-server-<n>.log.
   */
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

  /** Runs {@code polaris-server.sh <command>} for this server; returns its stdout. */
  private String runScript(String command) {
    Map<String, String> env = new HashMap<>();
    env.put("POLARIS_RUN_DIR", runDir.toAbsolutePath().toString());
    env.put("POLARIS_HTTP_PORT", String.valueOf(httpPort));
    env.put("POLARIS_GRPC_PORT", String.valueOf(grpcPort));
    env.put("POLARIS_WATCH_PID", String.valueOf(ProcessHandle.current().pid()));
    env.put("POLARIS_KEEP_DATA", String.valueOf(keepDataOnStart));
    env.put("POLARIS_CLIENT_AUTH", String.valueOf(clientAuth));
    if (startTimeout != null) {
      env.put("POLARIS_START_TIMEOUT", String.valueOf(startTimeout.toSeconds()));
    }
    return script.run(env, command);
  }
}
