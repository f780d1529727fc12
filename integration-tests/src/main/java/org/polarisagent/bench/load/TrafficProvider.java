package org.polarisagent.bench.load;

import com.google.protobuf.StringValue;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.polarisagent.samples.EchoService;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.WallClock;

/**
 * A plain gRPC server app for the system benchmarks: serves {@code echo.Echo/Echo} like the sample
 * provider (reply {@code <name>:<request>}) on loopback and says on stdout when it was first and
 * last called, in {@link WallClock} microseconds, so that the driver can time how fast consumers
 * find it and leave it. No Polaris code: the agent, if attached, registers it like any app.
 *
 * <p>Flags: {@code --name=p1 --port=0 --grace=30s --max-lifetime=10m}. Output lines:
 *
 * <pre>
 *   READY name=p1 port=40001 pid=123 at-us=...      after start()
 *   FIRST_CALL name=p1 at-us=...                    when the first call arrives
 *   TERM name=p1 at-us=...                          the shutdown hook began (SIGTERM)
 *   SERVED name=p1 calls=N first-us=... last-us=... after the server terminated (0 when never called)
 *   STOPPED name=p1 at-us=...
 * </pre>
 *
 * On SIGTERM it does what a typical app does: {@code shutdown()}, {@code awaitTermination(grace)},
 * then {@code shutdownNow()}. It exits by itself after {@code --max-lifetime}.
 */
public final class TrafficProvider {

  private static final PrintStream OUT = System.out;

  private final String name;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final long originMicros = WallClock.micros();
  private final long originNanos = System.nanoTime();
  private volatile long firstNanos;
  private volatile long lastNanos;

  private TrafficProvider(String name) {
    this.name = name;
  }

  public static void main(String[] args) throws Exception {
    Flags flags =
        Flags.parseOrExit(
            TrafficProvider.class, args, Set.of("name", "port", "grace", "max-lifetime"), Set.of());
    new TrafficProvider(flags.string("name", "p1"))
        .run(
            flags.integer("port", 0),
            flags.duration("grace", Duration.ofSeconds(30)),
            flags.duration("max-lifetime", Duration.ofMinutes(10)));
  }

  private void run(int port, Duration grace, Duration maxLifetime)
      throws IOException, InterruptedException {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .addService(definition())
            .build()
            .start();
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stop(server, grace), "traffic-provider-shutdown"));
    OUT.println(
        "READY name="
            + name
            + " port="
            + server.getPort()
            + " pid="
            + ProcessHandle.current().pid()
            + " at-us="
            + WallClock.micros());
    OUT.flush();
    if (!server.awaitTermination(maxLifetime.toMillis(), TimeUnit.MILLISECONDS)) {
      OUT.println("MAX_LIFETIME name=" + name);
      System.exit(0);
    }
  }

  private ServerServiceDefinition definition() {
    return EchoService.bind(this::echo, this::echo, this::echo);
  }

  private void echo(StringValue request, StreamObserver<StringValue> responses) {
    long now = System.nanoTime();
    lastNanos = now;
    if (calls.incrementAndGet() == 1) {
      firstNanos = now;
      OUT.println("FIRST_CALL name=" + name + " at-us=" + WallClock.micros());
      OUT.flush();
    }
    responses.onNext(StringValue.of(name + ":" + request.getValue()));
    responses.onCompleted();
  }

  private void stop(Server server, Duration grace) {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    OUT.println("TERM name=" + name + " at-us=" + WallClock.micros());
    OUT.flush();
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    long served = calls.get();
    OUT.println(
        "SERVED name="
            + name
            + " calls="
            + served
            + " first-us="
            + (served == 0 ? 0 : micros(firstNanos))
            + " last-us="
            + (served == 0 ? 0 : micros(lastNanos)));
    OUT.println("STOPPED name=" + name + " at-us=" + WallClock.micros());
    OUT.flush();
  }

  private long micros(long nanos) {
    return originMicros + (nanos - originNanos) / 1_000;
  }
}
