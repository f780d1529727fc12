package org.polarisagent.bench.load;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.polarisagent.samples.EchoService;
import org.polarisagent.testing.Flags;

/**
 * A plain gRPC client app that talks to many services one after the other: for each target, it
 * builds a channel and makes one unary {@code echo.Echo/Echo} call (waiting for ready), timed from
 * the channel's creation to the reply; then it keeps every channel open until told to stop.
 *
 * <p>Flags: {@code --targets=polaris://svc-%d} (a pattern; %d runs from 1 to {@code --count}) or a
 * {@code fixed:///} target ({@link FixedAddresses}, gRPC's {@code round_robin}) used for every
 * channel, {@code --count=200 --deadline=30s}. Stdin: {@code stop} (or end of input) shuts the
 * channels down and exits. Output lines:
 *
 * <pre>
 *   RESOLVED index=1 ms=812                   one per target, in order
 *   FAILED index=7 message=...                a call that failed
 *   ALL count=200 ms=4100                     every target called; then the app idles
 *   DONE
 * </pre>
 */
public final class ManyServicesClient {

  private static final PrintStream OUT = System.out;

  private ManyServicesClient() {}

  public static void main(String[] args) throws Exception {
    Flags flags =
        Flags.parseOrExit(
            ManyServicesClient.class, args, Set.of("targets", "count", "deadline"), Set.of());
    String pattern = flags.string("targets", "polaris://svc-%d");
    int count = flags.integer("count", 200);
    Duration deadline = flags.duration("deadline", Duration.ofSeconds(30));
    boolean fixed = pattern.startsWith(FixedAddresses.SCHEME + ":");
    if (fixed) {
      FixedAddresses.register();
    }
    List<ManagedChannel> channels = new ArrayList<>();
    long begin = System.nanoTime();
    for (int i = 1; i <= count; i++) {
      ManagedChannelBuilder<?> builder =
          ManagedChannelBuilder.forTarget(fixed ? pattern : String.format(pattern, i))
              .usePlaintext();
      if (fixed) {
        builder.defaultLoadBalancingPolicy("round_robin");
      }
      long start = System.nanoTime();
      ManagedChannel channel = builder.build();
      channels.add(channel);
      try {
        ClientCalls.blockingUnaryCall(
            channel,
            EchoService.ECHO,
            CallOptions.DEFAULT
                .withWaitForReady()
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
            StringValue.of("hello"));
        OUT.println("RESOLVED index=" + i + " ms=" + (System.nanoTime() - start) / 1_000_000);
      } catch (RuntimeException e) {
        OUT.println("FAILED index=" + i + " message=" + e.getMessage());
      }
    }
    OUT.println("ALL count=" + count + " ms=" + (System.nanoTime() - begin) / 1_000_000);
    OUT.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String command;
    while ((command = in.readLine()) != null && !command.trim().equals("stop")) {
      // only stop is understood
    }
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    OUT.println("DONE");
    OUT.flush();
    System.exit(0);
  }
}
