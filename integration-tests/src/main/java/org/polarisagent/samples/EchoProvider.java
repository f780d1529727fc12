package org.polarisagent.samples;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.polarisagent.testing.DaemonThreads;
import org.polarisagent.testing.Flags;

/**
 * A plain gRPC-Java server app (no Polaris, no agent code) serving {@link EchoService}, driven by
 * flags and reporting on stdout in lines that tests parse.
 *
 * <p>Flags (all optional):
 *
 * <pre>
 *   --name=p1                 instance name put in every reply; with --servers=N the servers are p1-1 .. p1-N
 *   --servers=1               business servers started in this JVM
 *   --port=0                  listen port, or a comma list with one port per server (0 = any free port)
 *   --bind=127.0.0.1          listen address of the netty builder
 *   --builder=netty           netty:   NettyServerBuilder.forAddress(bind, port) (loopback by default)
 *                             forPort: ServerBuilder.forPort(port): listens on ALL interfaces; only for tests
 *                                      that must cover that entry point
 *   --health-server-port=N    also start an admin server with only the health service on port N (0 = any)
 *   --health-file=PATH        while PATH exists, the overall health status (service "") is the one written in
 *                             it (e.g. NOT_SERVING), SERVING otherwise; read before start, then every 100 ms
 *   --fail-file=PATH          while PATH exists, calls fail with the status code written in it (default
 *                             UNAVAILABLE); an optional second word limits it to one method, e.g. "INTERNAL Other"
 *   --fail-first-attempt=M    calls of method M (e.g. Echo) fail with UNAVAILABLE unless they are retries
 *                             (carry grpc-previous-rpc-attempts): a backend that a retry policy gets past
 *   --delay=0ms               latency added to every call
 *   --delay-file=PATH         while PATH exists, every call is delayed by the duration written in it (e.g. 500ms)
 *   --stream-replies=3        replies per EchoStream call
 *   --shutdown-grace=30s      how long the shutdown hook waits for in-flight calls before shutdownNow()
 *   --max-lifetime=10m        the app exits by itself (like a SIGTERM) after this long; a safety net
 *   --shutdown-hook=true      false: the app never shuts its servers down; the JVM just exits on SIGTERM
 *   --shutdown-word=WORD      an Echo call whose text is WORD calls shutdown() on every server from inside the
 *                             handler, as an admin RPC would, then answers; the app exits once they terminated
 * </pre>
 *
 * <p>Output lines:
 *
 * <pre>
 *   LISTENING name=p1 port=40001            one per business server, after it started
 *   HEALTH port=40003                       the admin server, if any
 *   READY port=40001 ports=40001,40002 health-port=40003 pid=123
 *   STOPPING                                the shutdown hook began (SIGTERM, exit, max lifetime)
 *   SHUTDOWN_RETURNED servers=2 ms=0        the shutdown() calls of the hook, or of the shutdown word, returned
 *   SERVED name=p1 ok=120 failed=3          one per business server, after it terminated
 *   STOPPED                                 last line
 * </pre>
 *
 * On SIGTERM the shutdown hook does what a typical app does: health NOT_SERVING, {@code
 * server.shutdown()}, {@code awaitTermination(grace)}, then {@code shutdownNow()} if calls are
 * still running. Bad flags: a message on stderr and exit code 2.
 */
public final class EchoProvider {

  private static final Set<String> FLAGS =
      Set.of(
          "name",
          "servers",
          "port",
          "bind",
          "builder",
          "health-server-port",
          "health-file",
          "fail-file",
          "fail-first-attempt",
          "delay",
          "delay-file",
          "stream-replies",
          "shutdown-grace",
          "max-lifetime",
          "shutdown-hook",
          "shutdown-word");

  private static final PrintStream OUT = System.out;

  private final List<EchoInstance> instances = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private final HealthStatusManager health = new HealthStatusManager();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final AtomicBoolean shutdownWordSeen = new AtomicBoolean();
  private Server healthServer;

  private EchoProvider() {}

  public static void main(String[] args) throws Exception {
    Flags flags = Flags.parseOrExit(EchoProvider.class, args, FLAGS, Set.of());
    try {
      new EchoProvider().run(flags);
    } catch (IllegalArgumentException e) {
      System.err.println("EchoProvider: " + e.getMessage());
      System.exit(2);
    } catch (IOException e) {
      OUT.println("FAILED " + e);
      System.exit(1);
    }
  }

  private void run(Flags flags) throws Exception {
    String name = flags.string("name", "p1");
    int count = flags.integer("servers", 1);
    List<Integer> ports = ports(flags.string("port", "0"), count);
    String bind = flags.string("bind", "127.0.0.1");
    String builder = flags.string("builder", "netty");
    if (!builder.equals("netty") && !builder.equals("forPort")) {
      throw new IllegalArgumentException("--builder=" + builder + ": expected netty or forPort");
    }
    EchoBehaviour behaviour = new EchoBehaviour(flags, this::shutdownFromHandler);
    String failFirstAttempt = flags.string("fail-first-attempt", null);
    Duration grace = flags.duration("shutdown-grace", Duration.ofSeconds(30));
    Duration maxLifetime = flags.duration("max-lifetime", Duration.ofMinutes(10));
    Integer healthServerPort =
        flags.has("health-server-port") ? flags.integer("health-server-port", 0) : null;

    if (flags.has("health-file")) {
      followHealthFile(Path.of(flags.string("health-file", null)));
    }
    if (flags.bool("shutdown-hook", true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(grace), "echo-provider-shutdown"));
    }

    for (int i = 0; i < count; i++) {
      String instanceName = count == 1 ? name : name + "-" + (i + 1);
      EchoInstance instance = new EchoInstance(instanceName, behaviour);
      ServerServiceDefinition echo =
          failFirstAttempt == null
              ? instance.definition()
              : failingFirstAttempts(instance.definition(), failFirstAttempt);
      Server server =
          serverBuilder(builder, bind, ports.get(i))
              .addService(echo)
              .addService(health.getHealthService())
              .build()
              .start();
      instances.add(instance);
      servers.add(server);
      OUT.println("LISTENING name=" + instanceName + " port=" + server.getPort());
    }
    if (!flags.has("health-file")) {
      health.setStatus("", ServingStatus.SERVING);
    }
    health.setStatus(EchoService.SERVICE_NAME, ServingStatus.SERVING);
    String healthPort = "";
    if (healthServerPort != null) {
      healthServer =
          serverBuilder(builder, bind, healthServerPort)
              .addService(health.getHealthService())
              .build()
              .start();
      OUT.println("HEALTH port=" + healthServer.getPort());
      healthPort = " health-port=" + healthServer.getPort();
    }
    OUT.println(
        "READY port="
            + servers.get(0).getPort()
            + " ports="
            + servers.stream()
                .map(s -> String.valueOf(s.getPort()))
                .collect(Collectors.joining(","))
            + healthPort
            + " pid="
            + ProcessHandle.current().pid());

    long deadline = System.nanoTime() + maxLifetime.toNanos();
    for (Server server : servers) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !server.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        OUT.println("MAX_LIFETIME reached after " + maxLifetime.toSeconds() + "s");
        System.exit(0);
      }
    }
  }

  /**
   * Sets the overall health status from {@code file} now, then every 100 ms on a daemon thread,
   * until the app stops.
   */
  private void followHealthFile(Path file) {
    Runnable read =
        () -> {
          ServingStatus status = ServingStatus.SERVING;
          try {
            if (Files.exists(file)) {
              status = ServingStatus.valueOf(Files.readString(file).trim());
            }
          } catch (IOException | IllegalArgumentException e) {
            return; // being written: read it next time
          }
          if (!stopping.get()) {
            health.setStatus("", status);
          }
        };
    read.run();
    ScheduledExecutorService reader = DaemonThreads.scheduler("echo-provider-health-file");
    reader.scheduleWithFixedDelay(read, 100, 100, TimeUnit.MILLISECONDS);
  }

  /** Fails the first attempt of every call of {@code method}; retries pass. */
  private static ServerServiceDefinition failingFirstAttempts(
      ServerServiceDefinition service, String method) {
    Metadata.Key<String> previousAttempts =
        Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);
    return ServerInterceptors.intercept(
        service,
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (method.equals(call.getMethodDescriptor().getBareMethodName())
                && headers.get(previousAttempts) == null) {
              call.close(
                  Status.UNAVAILABLE.withDescription("injected failure (first attempt)"),
                  new Metadata());
              return new ServerCall.Listener<Q>() {};
            }
            return next.startCall(call, headers);
          }
        });
  }

  private static ServerBuilder<?> serverBuilder(String kind, String bind, int port) {
    if (kind.equals("forPort")) {
      return ServerBuilder.forPort(port);
    }
    return NettyServerBuilder.forAddress(new InetSocketAddress(bind, port));
  }

  /**
   * The shutdown hook: stop taking calls, let in-flight calls finish within the grace period,
   * report.
   */
  private void stop(Duration grace) {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    OUT.println("STOPPING");
    health.enterTerminalState();
    List<Server> all = new ArrayList<>(servers);
    if (healthServer != null) {
      all.add(healthServer);
    }
    shutdownInARow(all);
    long deadline = System.nanoTime() + grace.toNanos();
    for (Server server : all) {
      try {
        if (!server.awaitTermination(
            Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          server.shutdownNow();
          server.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
    }
    for (EchoInstance instance : instances) {
      OUT.println(
          "SERVED name="
              + instance.name
              + " ok="
              + instance.ok.get()
              + " failed="
              + instance.failed.get());
    }
    OUT.println("STOPPED");
    OUT.flush();
  }

  /** The shutdown word arrived: shut every server down from the handler's thread, once. */
  private void shutdownFromHandler() {
    if (shutdownWordSeen.compareAndSet(false, true)) {
      List<Server> all = new ArrayList<>(servers);
      if (healthServer != null) {
        all.add(healthServer);
      }
      shutdownInARow(all);
    }
  }

  private static void shutdownInARow(List<Server> all) {
    long started = System.nanoTime();
    for (Server server : all) {
      server.shutdown();
    }
    OUT.println(
        "SHUTDOWN_RETURNED servers="
            + all.size()
            + " ms="
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static List<Integer> ports(String value, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("--servers must be at least 1");
    }
    List<Integer> ports = new ArrayList<>();
    for (String part : value.split(",")) {
      try {
        ports.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--port=" + value + ": expected a port or a comma list of ports");
      }
    }
    if (ports.size() == 1 && ports.get(0) == 0) {
      while (ports.size() < count) {
        ports.add(0);
      }
    }
    if (ports.size() != count) {
      throw new IllegalArgumentException(
          "--port=" + value + ": give one port per server (--servers=" + count + ")");
    }
    return ports;
  }
}
