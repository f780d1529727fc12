package org.polarisagent.bench.load;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.polarisagent.samples.EchoService;
import org.polarisagent.testing.Flags;

/**
 * A plain gRPC client app that measures the per-call cost of a channel: {@code --concurrency}
 * threads each make blocking unary {@code echo.Echo/Echo} calls back to back (a closed loop: as
 * many calls outstanding as threads), first for {@code --warmup}, then for {@code --measure}, and
 * it prints the throughput and latency of the calls that completed in the measured period, and the
 * CPU time this whole process used per call meanwhile.
 *
 * <p>The target is anything gRPC resolves, e.g. {@code polaris://echo} (with the agent) or {@code
 * fixed:///127.0.0.1:5001,127.0.0.1:5002,127.0.0.1:5003} ({@link FixedAddresses}) with gRPC's
 * {@code round_robin} as the channel's default policy (without the agent). Before the warm-up the
 * client waits (at most 60 s) until a call succeeds.
 *
 * <p>Flags: {@code --target=... --concurrency=16 --warmup=5s --measure=20s --deadline=5s}. Output:
 *
 * <pre>
 *   CONNECTED first-ok-ms=...
 *   RESULT calls=N failed=F seconds=S rps=R p50us=.. p90us=.. p99us=.. p999us=.. maxus=.. cpu-ns-per-call=..
 *   SPREAD p1=N1 p2=N2 p3=N3                       calls per answering instance in the measured period
 * </pre>
 *
 * Exit code 0, or 1 if no call ever succeeded.
 */
public final class ClosedLoopClient {

  private static final PrintStream OUT = System.out;

  public static void main(String[] args) throws InterruptedException {
    Flags flags =
        Flags.parseOrExit(
            ClosedLoopClient.class,
            args,
            Set.of("target", "concurrency", "warmup", "measure", "deadline"),
            Set.of());
    String target = flags.required("target");
    int concurrency = flags.integer("concurrency", 16);
    Duration warmup = flags.duration("warmup", Duration.ofSeconds(5));
    Duration measure = flags.duration("measure", Duration.ofSeconds(20));
    long deadlineNanos = flags.duration("deadline", Duration.ofSeconds(5)).toNanos();

    ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target).usePlaintext();
    if (target.startsWith(FixedAddresses.SCHEME + ":")) {
      FixedAddresses.register();
      builder.defaultLoadBalancingPolicy("round_robin");
    }
    ManagedChannel channel = builder.build();
    try {
      long begin = System.nanoTime();
      if (!firstSuccess(channel, Duration.ofSeconds(60))) {
        OUT.println("FAILED no call succeeded within 60 s");
        System.exit(1);
      }
      OUT.println("CONNECTED first-ok-ms=" + (System.nanoTime() - begin) / 1_000_000);
      long measureFrom = System.nanoTime() + warmup.toNanos();
      long measureUntil = measureFrom + measure.toNanos();
      Worker[] workers = new Worker[concurrency];
      for (int i = 0; i < concurrency; i++) {
        workers[i] = new Worker(channel, measureFrom, measureUntil, deadlineNanos);
        workers[i].setName("closed-loop-" + i);
        workers[i].start();
      }
      long cpuAtStart = cpuNanosAt(measureFrom);
      long cpuAtEnd = cpuNanosAt(measureUntil);
      for (Worker worker : workers) {
        worker.join(measure.toMillis() + warmup.toMillis() + 30_000);
      }
      report(workers, measure, cpuAtEnd - cpuAtStart);
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Calls until one succeeds; the agent's first calls may wait for discovery. */
  private static boolean firstSuccess(ManagedChannel channel, Duration timeout)
      throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < until) {
      try {
        ClientCalls.blockingUnaryCall(
            channel,
            EchoService.ECHO,
            CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(5, TimeUnit.SECONDS),
            StringValue.of("hello"));
        return true;
      } catch (StatusRuntimeException e) {
        Thread.sleep(100);
      }
    }
    return false;
  }

  /** This process's CPU time once {@code nanoTime} has been reached. */
  private static long cpuNanosAt(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void report(Worker[] workers, Duration measure, long cpuNanos) {
    int total = 0;
    long failed = 0;
    Map<String, Long> spread = new TreeMap<>();
    for (Worker worker : workers) {
      total += worker.count;
      failed += worker.failed;
      worker.byInstance.forEach((name, count) -> spread.merge(name, count[0], Long::sum));
    }
    long[] all = new long[total];
    int at = 0;
    for (Worker worker : workers) {
      System.arraycopy(worker.latencies, 0, all, at, worker.count);
      at += worker.count;
    }
    Arrays.sort(all);
    double seconds = measure.toNanos() / 1e9;
    OUT.println(
        "RESULT calls="
            + total
            + " failed="
            + failed
            + " seconds="
            + seconds
            + " rps="
            + Math.round(total / seconds)
            + " p50us="
            + micros(all, 0.50)
            + " p90us="
            + micros(all, 0.90)
            + " p99us="
            + micros(all, 0.99)
            + " p999us="
            + micros(all, 0.999)
            + " maxus="
            + (total == 0 ? 0 : all[total - 1] / 1000)
            + " cpu-ns-per-call="
            + (total == 0 ? 0 : cpuNanos / total));
    StringBuilder line = new StringBuilder("SPREAD");
    spread.forEach((name, count) -> line.append(' ').append(name).append('=').append(count));
    OUT.println(line);
    OUT.flush();
  }

  /** Nearest-rank quantile in microseconds. */
  private static long micros(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1000;
  }

  /** One closed loop: a call, then the next. Its fields are read after it ended. */
  private static final class Worker extends Thread {
    private final ManagedChannel channel;
    private final long measureFrom;
    private final long measureUntil;
    private final long deadlineNanos;
    private final StringValue request = StringValue.of("hello");
    final Map<String, long[]> byInstance = new HashMap<>();
    long[] latencies = new long[1 << 16];
    int count;
    long failed;

    Worker(ManagedChannel channel, long measureFrom, long measureUntil, long deadlineNanos) {
      this.channel = channel;
      this.measureFrom = measureFrom;
      this.measureUntil = measureUntil;
      this.deadlineNanos = deadlineNanos;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (true) {
        long start = System.nanoTime();
        if (start >= measureUntil) {
          return;
        }
        String reply = null;
        try {
          reply =
              ClientCalls.blockingUnaryCall(
                      channel,
                      EchoService.ECHO,
                      CallOptions.DEFAULT.withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS),
                      request)
                  .getValue();
        } catch (StatusRuntimeException e) {
          // counted below
        }
        long end = System.nanoTime();
        if (end < measureFrom || end >= measureUntil) {
          continue;
        }
        if (reply == null) {
          failed++;
          continue;
        }
        if (count == latencies.length) {
          latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = end - start;
        byInstance.computeIfAbsent(EchoService.answeringInstance(reply), k -> new long[1])[0]++;
      }
    }
  }
}
