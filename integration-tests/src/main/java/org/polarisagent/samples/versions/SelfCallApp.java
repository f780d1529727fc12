package org.polarisagent.samples.versions;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A plain gRPC-Java app (no Polaris, no protobuf) that serves one unary method and calls it through
 * a target given on the command line, for running the same app on many gRPC versions.
 *
 * <p>It uses only API that exists in gRPC 1.30 (and in every later release): the builders are held
 * as {@link ServerBuilder} and {@link ManagedChannelBuilder}, whose members are stable, never as
 * the concrete types whose class hierarchy changed at 1.33 and 1.59.
 *
 * <p>Flags (all optional):
 *
 * <pre>
 *   --target=127.0.0.1:{port}   the channel target; {port} is replaced by the server's port (e.g. polaris://selfcall)
 *   --calls=3                   unary calls made one after the other
 *   --deadline-ms=10000         deadline of each call
 *   --wait-for-ready            calls wait for the channel to become ready (e.g. for the first Polaris instance)
 *   --serve-until-stdin-closes  after the calls, keep serving until stdin reaches its end
 * </pre>
 *
 * <p>Output lines:
 *
 * <pre>
 *   GRPC version=1.30.2                    the gRPC found on the class path
 *   READY port=40001                       the server serves on 127.0.0.1:40001
 *   CALLS ok=3 failed=0 first-error=none   or first-error=UNAVAILABLE: ... (the first failure)
 *   SERVING                                only with --serve-until-stdin-closes, before waiting for the end of stdin
 *   STOPPED                                last line: the server terminated
 * </pre>
 *
 * Bad flags: a message on stderr and exit code 2. The app returns from {@code main}: it exits when
 * no non-daemon thread is left.
 */
public final class SelfCallApp {

  static final String SERVICE = "selfcall.SelfCall";

  private static final PrintStream OUT = System.out;

  private static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<String>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(readAll(stream), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Echo"))
          .setRequestMarshaller(UTF8)
          .setResponseMarshaller(UTF8)
          .build();

  private SelfCallApp() {}

  public static void main(String[] args) throws Exception {
    String target = "127.0.0.1:{port}";
    int calls = 3;
    long deadlineMillis = 10_000;
    boolean waitForReady = false;
    boolean serveUntilStdinCloses = false;
    try {
      for (String arg : args) {
        if (arg.startsWith("--target=")) {
          target = arg.substring("--target=".length());
        } else if (arg.startsWith("--calls=")) {
          calls = Integer.parseInt(arg.substring("--calls=".length()));
        } else if (arg.startsWith("--deadline-ms=")) {
          deadlineMillis = Long.parseLong(arg.substring("--deadline-ms=".length()));
        } else if (arg.equals("--wait-for-ready")) {
          waitForReady = true;
        } else if (arg.equals("--serve-until-stdin-closes")) {
          serveUntilStdinCloses = true;
        } else {
          throw new IllegalArgumentException("unknown argument " + arg);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("SelfCallApp: " + e.getMessage());
      System.exit(2);
    }
    OUT.println("GRPC version=" + grpcVersion());

    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                ECHO,
                ServerCalls.asyncUnaryCall(
                    (String request, StreamObserver<String> reply) -> {
                      reply.onNext("echo:" + request);
                      reply.onCompleted();
                    }))
            .build();
    ServerBuilder<?> serverBuilder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    serverBuilder.addService(service);
    Server server = serverBuilder.build().start();
    OUT.println("READY port=" + server.getPort());

    ManagedChannelBuilder<?> channelBuilder =
        ManagedChannelBuilder.forTarget(target.replace("{port}", String.valueOf(server.getPort())));
    channelBuilder.usePlaintext();
    ManagedChannel channel = channelBuilder.build();
    int ok = 0;
    int failed = 0;
    String firstError = "none";
    try {
      for (int i = 0; i < calls; i++) {
        CallOptions options =
            CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
        if (waitForReady) {
          options = options.withWaitForReady();
        }
        String request = "call-" + i;
        try {
          String reply = ClientCalls.blockingUnaryCall(channel, ECHO, options, request);
          if (("echo:" + request).equals(reply)) {
            ok++;
          } else {
            failed++;
            firstError = "none".equals(firstError) ? "wrong reply '" + reply + "'" : firstError;
          }
        } catch (StatusRuntimeException e) {
          failed++;
          if ("none".equals(firstError)) {
            firstError = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
          }
        }
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
    OUT.println("CALLS ok=" + ok + " failed=" + failed + " first-error=" + firstError);

    if (serveUntilStdinCloses) {
      OUT.println("SERVING");
      while (System.in.read() >= 0) {
        // Read until the end: the test closes stdin (or dies) to stop the app.
      }
    }
    server.shutdown();
    if (!server.awaitTermination(30, TimeUnit.SECONDS)) {
      server.shutdownNow();
      server.awaitTermination(10, TimeUnit.SECONDS);
    }
    OUT.println("STOPPED");
  }

  /**
   * {@code GrpcUtil.getGrpcBuildVersion().getImplementationVersion()}, by reflection: an internal
   * API, public in every version (the {@code IMPLEMENTATION_VERSION} field is not, and the compiler
   * would inline it).
   */
  private static String grpcVersion() {
    try {
      Object build =
          Class.forName("io.grpc.internal.GrpcUtil").getMethod("getGrpcBuildVersion").invoke(null);
      return String.valueOf(build.getClass().getMethod("getImplementationVersion").invoke(build));
    } catch (ReflectiveOperationException | LinkageError e) {
      return "unknown";
    }
  }

  private static byte[] readAll(InputStream stream) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    for (int n; (n = stream.read(buffer)) >= 0; ) {
      bytes.write(buffer, 0, n);
    }
    return bytes.toByteArray();
  }
}
