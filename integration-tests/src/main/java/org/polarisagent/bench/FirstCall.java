package org.polarisagent.bench;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.TimeUnit;
import org.polarisagent.samples.EchoService;

/**
 * A minimal plain gRPC client for the time-to-first-call benchmark: it builds a channel the usual
 * way ({@code ManagedChannelBuilder.forTarget(target).usePlaintext()}), calls {@code
 * echo.Echo/Echo} until one call succeeds, prints one line and exits. A failed call (as a plain app
 * would see it: no wait-for-ready) is retried after a short pause and counted.
 *
 * <p>Usage: {@code FirstCall <target>}, e.g. {@code polaris://echo} or {@code 127.0.0.1:40001}.
 *
 * <p>Output, one line: {@code FIRST_OK instance=p1 failures=0 main-nanotime=N ok-nanotime=M}, or
 * {@code FIRST_FAILED code=UNAVAILABLE failures=N message=...} (exit code 1) when nothing succeeded
 * within 30 s.
 */
public final class FirstCall {

  private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long CALL_DEADLINE_SECONDS = 5;
  private static final long RETRY_PAUSE_MILLIS = 20;

  private FirstCall() {}

  public static void main(String[] args) throws InterruptedException {
    long mainNanos = System.nanoTime();
    if (args.length != 1) {
      System.err.println("usage: FirstCall <target>");
      System.exit(2);
    }
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    String outcome = null;
    int failures = 0;
    Status last = Status.UNKNOWN;
    while (outcome == null && System.nanoTime() - mainNanos < GIVE_UP_NANOS) {
      try {
        StringValue reply =
            ClientCalls.blockingUnaryCall(
                channel,
                EchoService.ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS),
                StringValue.of("bench"));
        long okNanos = System.nanoTime();
        outcome =
            "FIRST_OK instance="
                + EchoService.answeringInstance(reply.getValue())
                + " failures="
                + failures
                + " main-nanotime="
                + mainNanos
                + " ok-nanotime="
                + okNanos;
      } catch (RuntimeException e) {
        last = Status.fromThrowable(e);
        failures++;
        Thread.sleep(RETRY_PAUSE_MILLIS);
      }
    }
    if (outcome != null) {
      System.out.println(outcome);
    } else {
      System.out.println(
          "FIRST_FAILED code="
              + last.getCode()
              + " failures="
              + failures
              + " message="
              + String.valueOf(last.getDescription()).replaceAll("\\s+", " "));
    }
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    if (outcome == null) {
      System.exit(1);
    }
  }
}
