package org.polarisagent.boot.consumer;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import net.devh.boot.grpc.client.inject.GrpcClient;
import org.polarisagent.boot.api.EchoApi;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Calls {@code echo.Echo/Echo} at {@code echo.rate} calls a second for {@code echo.duration}, each
 * with deadline {@code echo.deadline}, and prints on stdout:
 *
 * <pre>
 *   CHANNEL authority=echo                                            once, before the first call
 *   PROGRESS second=3 sent=60 ok=60 failed=0 instances=p1:30,p2:30   every second, cumulative
 *   FAILED code=UNAVAILABLE message=...                              one per failed call
 *   RESULT ok=1200 failed=0 sent=1200 unfinished=0                    at the end, or when the app stops,
 *   INSTANCE name=p1 count=600                                         followed by one line per instance
 * </pre>
 *
 * A lifecycle bean: it starts calling once the context is refreshed and, when the context closes
 * (SIGTERM included), stops before the channel does, waiting up to one deadline for calls in
 * flight.
 */
@Component
public class EchoCalls implements SmartLifecycle {

  @GrpcClient("echo")
  private Channel channel;

  private final double rate;
  private final Duration duration;
  private final Duration deadline;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final CountDownLatch end = new CountDownLatch(1);
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Map<String, AtomicLong> byInstance = new ConcurrentHashMap<>();
  private volatile boolean running;

  public EchoCalls(
      @Value("${echo.rate:20}") double rate,
      @Value("${echo.duration:60s}") Duration duration,
      @Value("${echo.deadline:2s}") Duration deadline) {
    this.rate = rate;
    this.duration = duration;
    this.deadline = deadline;
  }

  @Override
  public void start() {
    running = true;
    System.out.println("CHANNEL authority=" + channel.authority());
    long periodNanos = (long) (1e9 / rate);
    long calls = (long) (rate * duration.toSeconds());
    scheduler.scheduleAtFixedRate(
        () -> {
          if (sent.get() < calls) {
            call();
          } else {
            end.countDown();
          }
        },
        0,
        periodNanos,
        TimeUnit.NANOSECONDS);
    scheduler.scheduleAtFixedRate(new ProgressLine(), 1, 1, TimeUnit.SECONDS);
  }

  /** Blocks until every call was started. */
  void awaitEnd() throws InterruptedException {
    end.await();
  }

  @Override
  public void stop() {
    running = false;
    scheduler.shutdownNow();
    long waitUntil = System.nanoTime() + deadline.toNanos();
    while (sent.get() > ok.get() + failed.get() && System.nanoTime() < waitUntil) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    long finished = ok.get() + failed.get();
    System.out.println(
        "RESULT ok="
            + ok.get()
            + " failed="
            + failed.get()
            + " sent="
            + sent.get()
            + " unfinished="
            + (sent.get() - finished));
    new TreeMap<>(byInstance)
        .forEach((name, count) -> System.out.println("INSTANCE name=" + name + " count=" + count));
    end.countDown();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private void call() {
    sent.incrementAndGet();
    ClientCalls.asyncUnaryCall(
        channel.newCall(
            EchoApi.ECHO,
            CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)),
        StringValue.of("hello"),
        new Outcome());
  }

  /** Counts one call's reply by the instance that gave it, or prints its failure. */
  private final class Outcome implements StreamObserver<StringValue> {
    private String instance = "?";

    @Override
    public void onNext(StringValue reply) {
      String text = reply.getValue();
      instance = text.substring(0, Math.max(0, text.indexOf(':')));
    }

    @Override
    public void onError(Throwable error) {
      failed.incrementAndGet();
      Status status = Status.fromThrowable(error);
      System.out.println(
          "FAILED code="
              + status.getCode()
              + " message="
              + String.valueOf(status.getDescription()).replaceAll("\\s+", " "));
    }

    @Override
    public void onCompleted() {
      byInstance.computeIfAbsent(instance, k -> new AtomicLong()).incrementAndGet();
      ok.incrementAndGet();
    }
  }

  /** Prints the cumulative counts, one line a second. */
  private final class ProgressLine implements Runnable {
    private int second;

    @Override
    public void run() {
      second++;
      String instances =
          new TreeMap<>(byInstance)
              .entrySet().stream()
                  .map(e -> e.getKey() + ":" + e.getValue().get())
                  .collect(Collectors.joining(","));
      System.out.printf(
          Locale.ROOT,
          "PROGRESS second=%d sent=%d ok=%d failed=%d instances=%s%n",
          second,
          sent.get(),
          ok.get(),
          failed.get(),
          instances);
    }
  }
}
