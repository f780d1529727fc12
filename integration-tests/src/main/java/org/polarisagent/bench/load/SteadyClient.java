package org.polarisagent.bench.load;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.polarisagent.samples.EchoService;
import org.polarisagent.testing.DaemonThreads;
import org.polarisagent.testing.Flags;
import org.polarisagent.testing.WallClock;

/**
 * A plain gRPC client app that makes unary {@code echo.Echo/Echo} calls at a steady rate (an open
 * loop: a call starts every 1/rate seconds whatever the others do) and reports, in {@link
 * WallClock} microseconds, what the system benchmarks time: when each instance answered for the
 * first time, and when and how each failed call started and ended. The driver splits the run into
 * phases through stdin.
 *
 * <p>Flags: {@code --target=polaris://echo --rate=200 --deadline=2s --max-duration=10m}; a {@code
 * fixed:///} target ({@link FixedAddresses}) uses gRPC's {@code round_robin}.
 *
 * <p>Stdin: {@code phase NAME} ends the current phase (printing its summary) and starts the next;
 * {@code stop} or end of input stops the calls, waits for those in flight and exits. Output lines:
 *
 * <pre>
 *   STARTED pid=123
 *   SEEN name=p1 at-us=...                                   the first reply from an instance
 *   FAILED start-us=... end-us=... code=UNAVAILABLE message=... (at most 500 such lines)
 *   PHASE name=rolling sent=.. ok=.. failed=.. p50us=.. p99us=.. maxus=.. max-us-by-instance=p1:..,p2:..
 *                                                            (calls that ended in the phase)
 *   DONE
 * </pre>
 */
public final class SteadyClient {

  private static final PrintStream OUT = System.out;
  private static final int MAX_FAILURE_LINES = 500;

  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final AtomicInteger failureLines = new AtomicInteger();
  private final AtomicLong inFlight = new AtomicLong();
  private volatile Phase phase = new Phase("start");

  public static void main(String[] args) throws Exception {
    Flags flags =
        Flags.parseOrExit(
            SteadyClient.class,
            args,
            Set.of("target", "rate", "deadline", "max-duration"),
            Set.of());
    new SteadyClient().run(flags);
  }

  private void run(Flags flags) throws Exception {
    String target = flags.string("target", "polaris://echo");
    double rate = flags.number("rate", 200);
    Duration deadline = flags.duration("deadline", Duration.ofSeconds(2));
    Duration maxDuration = flags.duration("max-duration", Duration.ofMinutes(10));
    ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target).usePlaintext();
    if (target.startsWith(FixedAddresses.SCHEME + ":")) {
      FixedAddresses.register();
      builder.defaultLoadBalancingPolicy("round_robin");
    }
    ManagedChannel channel = builder.build();
    ScheduledExecutorService scheduler = DaemonThreads.scheduler("steady-client-load");
    OUT.println("STARTED pid=" + ProcessHandle.current().pid());
    OUT.flush();
    long periodNanos = Math.max(1, (long) (1e9 / rate));
    scheduler.scheduleAtFixedRate(
        () -> call(channel, deadline), 0, periodNanos, TimeUnit.NANOSECONDS);
    scheduler.schedule(
        () -> {
          OUT.println("MAX_DURATION reached");
          System.exit(3);
        },
        maxDuration.toMillis(),
        TimeUnit.MILLISECONDS);

    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String command;
    while ((command = in.readLine()) != null && !command.trim().equals("stop")) {
      if (command.startsWith("phase ")) {
        Phase ended = phase;
        phase = new Phase(command.substring(6).trim());
        ended.print();
      }
    }
    scheduler.shutdownNow();
    long drainUntil = System.nanoTime() + deadline.toNanos() + TimeUnit.SECONDS.toNanos(1);
    while (inFlight.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(10);
    }
    phase.print();
    OUT.println("DONE");
    OUT.flush();
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    System.exit(0);
  }

  private void call(ManagedChannel channel, Duration deadline) {
    Phase current = phase;
    current.sent.incrementAndGet();
    inFlight.incrementAndGet();
    long startNanos = System.nanoTime();
    long startMicros = WallClock.micros();
    StreamObserver<StringValue> observer =
        new StreamObserver<StringValue>() {
          private String instance;

          @Override
          public void onNext(StringValue reply) {
            instance = EchoService.answeringInstance(reply.getValue());
          }

          @Override
          public void onError(Throwable error) {
            inFlight.decrementAndGet();
            phase.failed(System.nanoTime() - startNanos);
            if (failureLines.incrementAndGet() <= MAX_FAILURE_LINES) {
              Status status = Status.fromThrowable(error);
              OUT.println(
                  "FAILED start-us="
                      + startMicros
                      + " end-us="
                      + WallClock.micros()
                      + " code="
                      + status.getCode()
                      + " message="
                      + String.valueOf(status.getDescription()).replaceAll("\\s+", " "));
            }
          }

          @Override
          public void onCompleted() {
            inFlight.decrementAndGet();
            phase.ok(instance, System.nanoTime() - startNanos);
            if (instance != null && seen.add(instance)) {
              OUT.println("SEEN name=" + instance + " at-us=" + WallClock.micros());
            }
          }
        };
    try {
      ClientCalls.asyncUnaryCall(
          channel.newCall(
              EchoService.ECHO,
              CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)),
          StringValue.of("hello"),
          observer);
    } catch (RuntimeException e) {
      observer.onError(e);
    }
  }

  /** Counts and latencies of the calls that ended during one phase. Thread-safe. */
  private static final class Phase {
    final String name;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Long> maxByInstance = new ConcurrentHashMap<>();

    Phase(String name) {
      this.name = name;
    }

    void ok(String instance, long nanos) {
      ok.incrementAndGet();
      latencies.add(nanos);
      if (instance != null) {
        maxByInstance.merge(instance, nanos, Math::max);
      }
    }

    void failed(long nanos) {
      failed.incrementAndGet();
      latencies.add(nanos);
    }

    void print() {
      List<Long> sorted;
      synchronized (latencies) {
        sorted = new ArrayList<>(latencies);
      }
      Collections.sort(sorted);
      OUT.println(
          "PHASE name="
              + name
              + " sent="
              + sent.get()
              + " ok="
              + ok.get()
              + " failed="
              + failed.get()
              + " p50us="
              + micros(sorted, 0.5)
              + " p99us="
              + micros(sorted, 0.99)
              + " maxus="
              + (sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1000)
              + " max-us-by-instance="
              + new TreeMap<>(maxByInstance)
                  .entrySet().stream()
                      .map(e -> e.getKey() + ":" + e.getValue() / 1000)
                      .collect(Collectors.joining(",")));
      OUT.flush();
    }

    private static long micros(List<Long> sorted, double quantile) {
      if (sorted.isEmpty()) {
        return 0;
      }
      int rank = (int) Math.ceil(quantile * sorted.size());
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))) / 1000;
    }
  }
}
