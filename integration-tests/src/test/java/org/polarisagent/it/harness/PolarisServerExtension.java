package org.polarisagent.it.harness;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.PolarisServer;

/**
 * One real Polaris server per test class, on free loopback ports, started and stopped through
 * {@code integration-tests/polaris-server/polaris-server.sh} (system property {@code
 * polaris.server.script}).
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PolarisServerExtension POLARIS = new PolarisServerExtension();
 * </pre>
 *
 * or {@code @ExtendWith(PolarisServerExtension.class)} with a {@code PolarisServerExtension}
 * parameter in a test, {@code @BeforeAll} method or constructor.
 *
 * <p>The server starts before the first test of the class and stops after the last one, also when
 * tests fail; the script stops it too if the test JVM dies ({@code POLARIS_WATCH_PID}). Its run
 * directory (store, log {@code polaris-server.log}, the script's output) is {@code
 * target/polaris-runs/<TestClass>-<time>/}.
 *
 * <p>{@link #stop()} and {@link #start()} stop and start the same server again on the same ports
 * and run directory, e.g. to test a Polaris outage. The script starts every server with an empty
 * store: after a restart, namespaces, services and rules created through the OpenAPI are gone and
 * must be created again; instances come back as their owners register again. The log of each
 * earlier run is kept as {@code polaris-server-<n>.log}.
 *
 * <p>The server itself is a {@link PolarisServer}, shared with the benchmarks and the demo.
 *
 * <p>Thread-safe.
 */
public final class PolarisServerExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver, PolarisFixture {

  private static final DateTimeFormatter DIR_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS");

  private final boolean clientAuth;
  private String owner;
  private PolarisServer server;

  /** A server as the default configuration has it: only the console APIs check the token. */
  public PolarisServerExtension() {
    this(false);
  }

  private PolarisServerExtension(boolean clientAuth) {
    this.clientAuth = clientAuth;
  }

  /**
   * A server whose client APIs (register, heartbeat, discover) check the token too; {@link
   * #adminToken()} passes.
   */
  public static PolarisServerExtension withClientAuth() {
    return new PolarisServerExtension(true);
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (owner != null) {
      return; // already started for an enclosing class
    }
    owner = context.getUniqueId();
    Path runDir = runDirFor(context);
    try {
      server = new PolarisServer(PolarisServer.defaultScript(), runDir, clientAuth);
      server.startOnFreePorts();
    } catch (RuntimeException e) {
      owner = null;
      throw e;
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
   * Starts the server (again) on this extension's ports and run directory, with an empty store, and
   * waits until it serves the OpenAPI and the SDK port. Does nothing if it runs.
   *
   * @throws IllegalStateException if it does not start; the message has the script's output and the
   *     log's tail
   */
  public void start() {
    server().start();
  }

  /**
   * Starts the stopped server again with the store it had, as a real server comes back after an
   * outage. Does nothing if it runs.
   */
  public void resume() {
    server().resume();
  }

  /**
   * Stops the server (SIGTERM, then SIGKILL after the script's timeout) and waits for it.
   * Idempotent.
   */
  public void stop() {
    server().stop();
  }

  public boolean isRunning() {
    return server().isRunning();
  }

  /**
   * The SDK's address, {@code 127.0.0.1:<grpc port>}: the value for the agent's server address
   * setting.
   */
  public String grpcAddress() {
    return server().grpcAddress();
  }

  /**
   * Starts describing a fork of the class's {@code main} named {@code name}, with the agent, whose
   * server address is this server's.
   */
  @Override
  public ForkedApp.Builder agentApp(Class<?> mainClass, String name) {
    return ForkedApp.main(mainClass)
        .name(name)
        .withAgent()
        .property("polaris.address", grpcAddress());
  }

  public int httpPort() {
    return server().httpPort();
  }

  /** The token of the server's admin user (the store's seed): valid on every API. */
  public String adminToken() {
    return server().adminToken();
  }

  /** The OpenAPI client, authenticated as admin. */
  @Override
  public PolarisOpenApi openApi() {
    return server().openApi();
  }

  /** The run directory: store, {@code polaris-server.log}, the script's output. */
  public Path runDir() {
    return server().runDir();
  }

  /** How long the last {@link #start()} took, from launching the script until the server served. */
  public Duration lastStartDuration() {
    return server().lastStartDuration();
  }

  /** The shared server behind this extension. */
  public synchronized PolarisServer server() {
    if (server == null) {
      throw new IllegalStateException(
          "the Polaris server extension has not run yet: register it with "
              + "@RegisterExtension on a static field or @ExtendWith on the class");
    }
    return server;
  }

  /** A fresh run directory for the test class: {@code target/polaris-runs/<TestClass>-<time>/}. */
  static Path runDirFor(ExtensionContext context) {
    return Paths.get(System.getProperty("it.output.dir", "target"))
        .resolve("polaris-runs")
        .resolve(
            context.getRequiredTestClass().getSimpleName()
                + "-"
                + LocalDateTime.now().format(DIR_TIME));
  }
}
