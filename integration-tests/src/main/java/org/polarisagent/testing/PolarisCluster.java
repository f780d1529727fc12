package org.polarisagent.testing;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real Polaris cluster on loopback: a private MariaDB and two Polaris server nodes sharing it
 * (MySQL store, leader-based heartbeat checker), started, crashed and restarted through {@code
 * integration-tests/polaris-server/polaris-cluster.sh} in a run directory of its own. Node {@code
 * n} listens on {@code 127.0.0.n}, both nodes on the same ports (the script says why).
 *
 * <p>The nodes and the database stop by themselves once this JVM is gone ({@code
 * POLARIS_WATCH_PID}); a shutdown hook stops them as well.
 *
 * <p>Thread-safe.
 */
public final class PolarisCluster implements AutoCloseable {

  /** The nodes, numbered as the script numbers them. */
  public static final List<Integer> NODES = List.of(1, 2);

  private static final int START_ATTEMPTS = 3;

  private final HarnessScript script;
  private final boolean[] running = new boolean[NODES.size() + 1];
  private int httpPort;
  private int grpcPort;
  private int dbPort;
  private boolean started;
  private String token;
  private Thread stopAtExit;

  /** A cluster that is not started yet; {@code script} is {@code polaris-cluster.sh}. */
  public PolarisCluster(Path script, Path runDir) {
    this.script = new HarnessScript(script, runDir);
  }

  /** {@code polaris-cluster.sh} next to {@link PolarisServer#defaultScript()}. */
  public static Path defaultScript() {
    return PolarisServer.defaultScript().resolveSibling("polaris-cluster.sh");
  }

  /**
   * Starts MariaDB and both nodes on free ports with a fresh store and waits until both serve and
   * know their heartbeat leader; picks other ports (up to three times) when one is taken.
   *
   * @throws HarnessFailure if it does not start; the message has the script's output
   */
  public synchronized void start() {
    for (int attempt = 1; ; attempt++) {
      List<Integer> ports = FreePorts.pick(3);
      httpPort = ports.get(0);
      grpcPort = ports.get(1);
      dbPort = ports.get(2);
      try {
        String output = run("start");
        System.out.println("[polaris-cluster] " + output.trim());
        break;
      } catch (HarnessFailure e) {
        if (attempt >= START_ATTEMPTS
            || !String.valueOf(e.getMessage()).contains("already in use")) {
          throw e;
        }
      }
    }
    started = true;
    for (int n : NODES) {
      running[n] = true;
    }
    token = run("token").trim();
    if (stopAtExit == null) {
      stopAtExit = new Thread(this::stopQuietly, "polaris-cluster-stop");
      Runtime.getRuntime().addShutdownHook(stopAtExit);
    }
  }

  /** Kills node {@code n} with SIGKILL (a crash: nothing deregistered, no goodbye) and waits. */
  public synchronized void killNode(int n) {
    run("kill-node", String.valueOf(n));
    running[n] = false;
  }

  /**
   * Starts node {@code n} again on the same store and ports; returns once it serves and knows the
   * heartbeat leader.
   */
  public synchronized void startNode(int n) {
    run("start-node", String.valueOf(n));
    running[n] = true;
  }

  /** Stops both nodes and the database. Idempotent. */
  public synchronized void stop() {
    if (!started) {
      return;
    }
    started = false;
    run("stop");
  }

  @Override
  public void close() {
    stop();
  }

  public synchronized boolean isRunning(int n) {
    return running[n];
  }

  /** Node {@code n}'s SDK address, {@code 127.0.0.n:<grpc port>}. */
  public synchronized String grpcAddress(int n) {
    return host(n) + ":" + grpcPort;
  }

  /** The agent's server address setting for the whole cluster: both nodes, node 1 first. */
  public synchronized String grpcAddresses() {
    return grpcAddress(1) + "," + grpcAddress(2);
  }

  /** The gRPC port every node listens on. */
  public synchronized int grpcPort() {
    return grpcPort;
  }

  /** The token of the admin user the schema seeds: valid on every API of every node. */
  public synchronized String adminToken() {
    return token;
  }

  /**
   * An OpenAPI client of the first node that runs (the nodes share one store).
   *
   * @throws HarnessFailure if none runs
   */
  public synchronized PolarisOpenApi openApi() {
    for (int n : NODES) {
      if (running[n]) {
        return new PolarisOpenApi("http://" + host(n) + ":" + httpPort, token);
      }
    }
    throw new HarnessFailure("no Polaris node runs");
  }

  /** The run directory: MariaDB's data and log, one run directory per node. */
  public Path runDir() {
    return script.runDir();
  }

  private static String host(int n) {
    if (!NODES.contains(n)) {
      throw new IllegalArgumentException("no node " + n + " (nodes: " + NODES + ")");
    }
    return "127.0.0." + n;
  }

  private String run(String... command) {
    Map<String, String> env = new HashMap<>();
    env.put("POLARIS_CLUSTER_DIR", script.runDir().toAbsolutePath().toString());
    env.put("POLARIS_HTTP_PORT", String.valueOf(httpPort));
    env.put("POLARIS_GRPC_PORT", String.valueOf(grpcPort));
    env.put("POLARIS_DB_PORT", String.valueOf(dbPort));
    env.put("POLARIS_WATCH_PID", String.valueOf(ProcessHandle.current().pid()));
    return script.run(env, command);
  }

  private void stopQuietly() {
    try {
      stop();
    } catch (RuntimeException ignored) {
      // JVM exit: the nodes and the database also watch this JVM's pid.
    }
  }
}
