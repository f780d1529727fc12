package org.polarisagent.samples;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.polarisagent.testing.DaemonThreads;
import org.polarisagent.testing.Flags;

/**
 * A plain gRPC-Java server app (no Polaris, no agent code) in the middle of a call chain: each
 * {@code echo.Echo/Echo} call it serves makes one {@code Echo} call to the next service, with the
 * same request, and answers with that reply followed by {@code " via <name>"}. So the reply still
 * starts with {@code <instance name>:} of the service at the end of the chain. It knows nothing of
 * headers: it relays only the request text.
 *
 * <p>Flags:
 *
 * <pre>
 *   --next=TARGET       the next service's channel target, e.g. polaris://chain-c (required)
 *   --name=relay        put in every reply
 *   --hop=handler       handler:  the next call runs on the handler's thread (a blocking stub call)
 *                       executor: the handler hands it to a thread pool through
 *                                 Context.currentContextExecutor, as gRPC apps do to keep the call's
 *                                 Context (deadline, cancellation) across threads
 *   --port=0            listen port on --bind (0 = any free port)
 *   --bind=127.0.0.1    listen address
 *   --deadline=3s       deadline of each call to the next service
 *   --max-lifetime=10m  the app exits by itself after this long; a safety net
 * </pre>
 *
 * <p>Output: {@code READY port=40001 pid=123} once serving. The other methods of {@code echo.Echo}
 * answer {@code UNIMPLEMENTED}. On SIGTERM: {@code server.shutdown()}, then up to 10 s for calls in
 * flight. Bad flags: a message on stderr and exit code 2.
 */
public final class RelayProvider {

  private static final Set<String> FLAGS =
      Set.of("next", "name", "hop", "port", "bind", "deadline", "max-lifetime");
  private static final PrintStream OUT = System.out;

  private final String name;
  private final ManagedChannel next;
  private final Duration deadline;

  /** Null: the next call runs on the handler's thread. */
  private final Executor hop;

  private RelayProvider(String name, ManagedChannel next, Duration deadline, Executor hop) {
    this.name = name;
    this.next = next;
    this.deadline = deadline;
    this.hop = hop;
  }

  public static void main(String[] args) throws Exception {
    Flags flags = Flags.parseOrExit(RelayProvider.class, args, FLAGS, Set.of());
    String hopFlag = flags.string("hop", "handler");
    if (!flags.has("next") || !(hopFlag.equals("handler") || hopFlag.equals("executor"))) {
      System.err.println("RelayProvider: --next=TARGET is required; --hop is handler or executor");
      System.exit(2);
    }
    ExecutorService pool = DaemonThreads.pool("relay-pool", 4);
    RelayProvider relay =
        new RelayProvider(
            flags.string("name", "relay"),
            ManagedChannelBuilder.forTarget(flags.string("next", null)).usePlaintext().build(),
            flags.duration("deadline", Duration.ofSeconds(3)),
            hopFlag.equals("executor") ? Context.currentContextExecutor(pool) : null);
    Server server =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(flags.string("bind", "127.0.0.1"), flags.integer("port", 0)))
            .addService(
                EchoService.bind(
                    relay::echo,
                    (request, responses) -> unimplemented(responses),
                    (request, responses) -> unimplemented(responses)))
            .build()
            .start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.shutdown();
                  try {
                    server.awaitTermination(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  relay.next.shutdownNow();
                },
                "relay-shutdown"));
    OUT.println("READY port=" + server.getPort() + " pid=" + ProcessHandle.current().pid());
    Duration maxLifetime = flags.duration("max-lifetime", Duration.ofMinutes(10));
    if (!server.awaitTermination(maxLifetime.toMillis(), TimeUnit.MILLISECONDS)) {
      OUT.println("MAX_LIFETIME reached after " + maxLifetime.toSeconds() + "s");
      System.exit(0);
    }
  }

  private void echo(StringValue request, StreamObserver<StringValue> responses) {
    if (hop == null) {
      relay(request, responses);
    } else {
      hop.execute(() -> relay(request, responses));
    }
  }

  private void relay(StringValue request, StreamObserver<StringValue> responses) {
    try {
      StringValue reply =
          ClientCalls.blockingUnaryCall(
              next,
              EchoService.ECHO,
              CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS),
              request);
      responses.onNext(StringValue.of(reply.getValue() + " via " + name));
      responses.onCompleted();
    } catch (StatusRuntimeException e) {
      responses.onError(
          e.getStatus()
              .augmentDescription("from the next service, relayed by " + name)
              .asRuntimeException());
    }
  }

  private static void unimplemented(StreamObserver<StringValue> responses) {
    responses.onError(Status.UNIMPLEMENTED.asRuntimeException());
  }
}
