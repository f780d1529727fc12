package org.polarisagent.samples;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.testing.DaemonThreads;
import org.polarisagent.testing.Flags;

/**
 * A plain gRPC-Java client app (no Polaris, no agent code) that calls {@link EchoService} at a
 * steady rate and reports what it saw on stdout in lines that tests parse. It always exits 0 once
 * it ran (bad flags: exit 2), so tests judge the output, not the exit code.
 *
 * <p>Flags (all optional):
 *
 * <pre>
 *   --target=polaris://echo   channel target; the *ForAddress entries need host:port
 *   --entry=forTarget         how the channel builder is made:
 *                               forTarget                        ManagedChannelBuilder.forTarget(target)
 *                               forAddress                       ManagedChannelBuilder.forAddress(host, port)
 *                               grpcNewChannelBuilder            Grpc.newChannelBuilder(target, insecure)
 *                               grpcNewChannelBuilderForAddress  Grpc.newChannelBuilderForAddress(host, port, insecure)
 *                               netty / nettyForAddress          NettyChannelBuilder (grpc-netty-shaded)
 *                               okhttp / okhttpForAddress        OkHttpChannelBuilder
 *   --method=Echo             Echo, Other or EchoStream
 *   --message=hello           request text
 *   --rate=50                 calls started per second (scheduled, not back to back)
 *   --calls=N                 stop after N calls; --duration=20s stops after that long; without both: 100 calls
 *   --max-duration=10m        hard bound on the run, whatever the other flags say
 *   --deadline=2s             deadline of each call
 *   --header=k=v              request metadata; repeatable
 *   --tagged-header=k=v       every second call (of each channel) also carries this header; its answering instance is counted
 *                             as NAME+tagged
 *   --wait-for-ready=false    CallOptions.withWaitForReady()
 *   --progress=true           print a PROGRESS line every second
 *   --start-delay=0s          wait this long after building the channel before the first call
 *   --service-config=PATH     a JSON service config file set as the channel's defaultServiceConfig
 *   --channels=1              channels built the same way; call i goes to channel i mod N, and with N > 1
 *                             its answering instance is counted as NAME@cK (K: the channel, from 0)
 *   --watch-properties=false  watch the JVM's system properties from the start of main (every millisecond)
 *                             and print the names that appeared, even for a moment (PROPERTIES)
 * </pre>
 *
 * <p>Output lines:
 *
 * <pre>
 *   STARTED target=polaris://echo entry=forTarget method=Echo authority=echo
 *   FIRST code=OK instance=p1 latencyus=900                    the first call that completed (or code=X message=...)
 *   PROGRESS second=1 sent=50 ok=50 failed=0 instances=p1:25,p2:25   cumulative answers per instance
 *   RESULT ok=297 failed=3 sent=300 unfinished=0 replies=297   (replies received: 1 per unary call, N per stream)
 *   INSTANCE name=p1 count=150                                  one per answering instance, by name
 *   ERROR code=UNAVAILABLE count=3 message=...                  one per distinct error, most frequent first
 *   LATENCY count=300 p50us=900 p90us=1500 p99us=4000 maxus=9000   completed calls, ok or not
 *   PROPERTIES appeared=a.b,c.d                                 with --watch-properties only
 *   DONE                                                        the channel is shut down
 * </pre>
 *
 * On SIGTERM it stops starting calls, waits up to one deadline for the running ones and prints the
 * summary (RESULT and what follows) before the JVM exits (then with the JVM's exit code for
 * SIGTERM, 143).
 */
public final class EchoConsumer {

  private static final Set<String> FLAGS =
      Set.of(
          "target",
          "entry",
          "method",
          "message",
          "rate",
          "calls",
          "duration",
          "max-duration",
          "deadline",
          "header",
          "tagged-header",
          "wait-for-ready",
          "progress",
          "start-delay",
          "service-config",
          "channels",
          "watch-properties");
  private static final PrintStream OUT = System.out;

  private final CallOutcomes outcomes = new CallOutcomes(OUT);
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final AtomicBoolean summaryPrinted = new AtomicBoolean();
  private final CountDownLatch summaryDone = new CountDownLatch(1);

  private EchoConsumer() {}

  public static void main(String[] args) throws InterruptedException {
    ConsumerSettings settings;
    try {
      settings = new ConsumerSettings(Flags.parse(args, FLAGS, Set.of("header")));
    } catch (IllegalArgumentException e) {
      System.err.println("EchoConsumer: " + e.getMessage());
      System.exit(2);
      return;
    }
    new EchoConsumer().run(settings, settings.watchProperties ? PropertyWatch.start() : null);
  }

  private void run(ConsumerSettings settings, PropertyWatch watch) throws InterruptedException {
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int k = 0; k < settings.channels; k++) {
        ManagedChannelBuilder<?> builder =
            ConsumerSettings.channelBuilder(settings.entry, settings.target);
        if (settings.serviceConfig != null) {
          builder.defaultServiceConfig(settings.serviceConfig);
        }
        channels.add(builder.build());
      }
    } catch (IllegalArgumentException e) {
      System.err.println("EchoConsumer: " + e.getMessage());
      System.exit(2);
      return;
    }
    ManagedChannel channel = channels.get(0);
    Channel[] calls = new Channel[channels.size()];
    Channel[] taggedCalls = new Channel[channels.size()];
    for (int k = 0; k < calls.length; k++) {
      calls[k] =
          ClientInterceptors.intercept(
              channels.get(k), MetadataUtils.newAttachHeadersInterceptor(settings.headers));
      taggedCalls[k] =
          settings.taggedHeader == null
              ? null
              : ClientInterceptors.intercept(
                  calls[k], MetadataUtils.newAttachHeadersInterceptor(settings.taggedHeader));
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopRequested.set(true);
                  try {
                    if (!summaryDone.await(
                        settings.deadline.toMillis() + 3000, TimeUnit.MILLISECONDS)) {
                      printSummary();
                    }
                  } catch (InterruptedException e) {
                    printSummary();
                  }
                },
                "echo-consumer-shutdown"));
    OUT.println(
        "STARTED target="
            + settings.target
            + " entry="
            + settings.entry
            + " method="
            + settings.method.getBareMethodName()
            + " authority="
            + channel.authority());

    ScheduledExecutorService scheduler = DaemonThreads.scheduler("echo-consumer-load");
    CountDownLatch sendingDone = new CountDownLatch(1);
    Thread.sleep(settings.startDelay.toMillis());
    long start = System.nanoTime();
    long endBy = start + settings.duration.toNanos();
    long periodNanos = Math.max(1, (long) (1e9 / settings.rate));
    scheduler.scheduleAtFixedRate(
        () -> {
          if (sendingDone.getCount() == 0) {
            return;
          }
          if (stopRequested.get()
              || outcomes.sent.get() >= settings.calls
              || System.nanoTime() >= endBy) {
            sendingDone.countDown();
            return;
          }
          long sent = outcomes.sent.get();
          int k = (int) (sent % calls.length);
          boolean tagged = taggedCalls[k] != null && (sent / calls.length) % 2 == 1;
          startCall(
              tagged ? taggedCalls[k] : calls[k],
              settings,
              (tagged ? "+tagged" : "") + (calls.length > 1 ? "@c" + k : ""));
        },
        0,
        periodNanos,
        TimeUnit.NANOSECONDS);
    if (settings.progress) {
      scheduler.scheduleAtFixedRate(
          new Runnable() {
            private int second;

            @Override
            public void run() {
              second++;
              OUT.println(
                  "PROGRESS second="
                      + second
                      + " sent="
                      + outcomes.sent.get()
                      + " ok="
                      + outcomes.ok.get()
                      + " failed="
                      + outcomes.failed.get()
                      + " instances="
                      + outcomes.instanceCounts());
            }
          },
          1,
          1,
          TimeUnit.SECONDS);
    }

    if (!sendingDone.await(settings.duration.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
      OUT.println("LOAD stalled: the call scheduler stopped");
    }
    long drainBy = System.nanoTime() + settings.deadline.toNanos() + TimeUnit.SECONDS.toNanos(1);
    while (outcomes.unfinished() > 0 && System.nanoTime() < drainBy) {
      Thread.sleep(10);
    }
    scheduler.shutdownNow();
    printSummary();
    for (ManagedChannel each : channels) {
      each.shutdownNow();
    }
    for (ManagedChannel each : channels) {
      each.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (watch != null) {
      OUT.println("PROPERTIES appeared=" + watch.appeared());
    }
    OUT.println("DONE");
  }

  private void startCall(Channel channel, ConsumerSettings settings, String instanceSuffix) {
    CallOptions options =
        CallOptions.DEFAULT.withDeadlineAfter(settings.deadline.toNanos(), TimeUnit.NANOSECONDS);
    if (settings.waitForReady) {
      options = options.withWaitForReady();
    }
    StringValue request = StringValue.of(settings.message);
    outcomes.sent.incrementAndGet();
    CallObserver observer = new CallObserver(System.nanoTime(), instanceSuffix);
    try {
      ClientCall<StringValue, StringValue> call = channel.newCall(settings.method, options);
      if (settings.method.getType() == MethodType.SERVER_STREAMING) {
        ClientCalls.asyncServerStreamingCall(call, request, observer);
      } else {
        ClientCalls.asyncUnaryCall(call, request, observer);
      }
    } catch (RuntimeException | LinkageError e) {
      // Counted like any failed call; the load goes on.
      observer.onError(e);
    }
  }

  private void printSummary() {
    if (!summaryPrinted.compareAndSet(false, true)) {
      return;
    }
    OUT.println(outcomes.summary());
    OUT.flush();
    summaryDone.countDown();
  }

  /**
   * Records one call's outcome; the first reply names the answering instance, counted with a suffix
   * that tells tagged calls apart.
   */
  private final class CallObserver implements StreamObserver<StringValue> {
    private final long startNanos;
    private final String instanceSuffix;
    private String instance;
    private boolean finished;

    CallObserver(long startNanos, String instanceSuffix) {
      this.startNanos = startNanos;
      this.instanceSuffix = instanceSuffix;
    }

    @Override
    public synchronized void onNext(StringValue reply) {
      if (instance == null) {
        instance = EchoService.answeringInstance(reply.getValue());
      }
      outcomes.replies.incrementAndGet();
    }

    @Override
    public synchronized void onError(Throwable error) {
      if (!finished) {
        finished = true;
        outcomes.failed(Status.fromThrowable(error), System.nanoTime() - startNanos);
      }
    }

    @Override
    public synchronized void onCompleted() {
      if (!finished) {
        finished = true;
        outcomes.succeeded(
            (instance == null ? "?" : instance) + instanceSuffix, System.nanoTime() - startNanos);
      }
    }
  }
}
