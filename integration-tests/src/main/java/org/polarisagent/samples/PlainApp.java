package org.polarisagent.samples;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import com.google.common.base.Joiner;
import com.google.protobuf.StringValue;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.bytebuddy.ByteBuddy;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ordinary app with its own libraries (slf4j + logback, its own Byte Buddy, guava, protobuf,
 * gRPC) for the isolation tests: it reports which copies of those libraries it sees and whether
 * agent classes leak into its class loader, then serves and makes one gRPC call over loopback and
 * exits 0.
 *
 * <p>Its stdout is deterministic (no ports, times or absolute paths) so that a test can compare a
 * run with the agent to a run without it:
 *
 * <pre>
 *   PLAIN start
 *   LIB name=byte-buddy version=1.14.19 location=byte-buddy-1.14.19.jar
 *   LIB name=slf4j factory=ch.qos.logback.classic.LoggerContext location=slf4j-api-2.0.17.jar
 *   ...
 *   CLASS name=com.tencent.polaris.api.core.ConsumerAPI visible=false
 *   INFO  PlainApp - logging through the app's logback     (printed by logback, pattern without time)
 *   CALL ok reply=plain:hello
 *   PLAIN done
 * </pre>
 *
 * No flags.
 */
public final class PlainApp {

  /** Classes the app must (Byte Buddy: its own copy) or must not (agent internals) see. */
  private static final List<String> PROBED_CLASSES =
      List.of(
          "net.bytebuddy.ByteBuddy",
          "com.tencent.polaris.api.core.ConsumerAPI",
          "shade.polaris.io.grpc.ManagedChannel",
          "org.polarisagent.core.AgentInstaller",
          "org.polarisagent.plugin.grpc.GrpcPlugin");

  private static final PrintStream OUT = System.out;

  private PlainApp() {}

  public static void main(String[] args) throws Exception {
    OUT.println("PLAIN start");
    Logger log = configureLogging();
    reportLibrary("byte-buddy", ByteBuddy.class);
    reportLibrary("logback", LoggerContext.class);
    reportLibrary("guava", Joiner.class);
    reportLibrary("netty", io.netty.util.Version.class);
    reportLibrary("protobuf", StringValue.class);
    reportLibrary("grpc", Server.class);
    reportLibrary("grpc-netty-shaded", NettyServerBuilder.class);
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    OUT.println(
        "LIB name=slf4j factory="
            + factory.getClass().getName()
            + " location="
            + location(LoggerFactory.class));
    ClassLoader loader = PlainApp.class.getClassLoader();
    for (String name : PROBED_CLASSES) {
      probe(name, loader);
    }
    log.info("logging through the app's logback");
    OUT.println("CALL " + callItself());
    OUT.println("PLAIN done");
  }

  /** Sets up logback the way an app does, with a pattern free of times and threads. */
  private static Logger configureLogging() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext) {
      LoggerContext context = (LoggerContext) factory;
      context.reset();
      PatternLayoutEncoder encoder = new PatternLayoutEncoder();
      encoder.setContext(context);
      encoder.setPattern("%-5level %logger{0} - %msg%n");
      encoder.start();
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setContext(context);
      console.setName("console");
      console.setEncoder(encoder);
      console.start();
      ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      root.setLevel(Level.INFO);
      root.addAppender(console);
    } else {
      OUT.println("LOGGING not-logback factory=" + factory.getClass().getName());
    }
    return LoggerFactory.getLogger(PlainApp.class);
  }

  private static String callItself() throws Exception {
    // Every method, the streaming one too, answers with one reply.
    ServerCalls.UnaryMethod<StringValue, StringValue> answer =
        (request, responses) -> {
          responses.onNext(StringValue.of("plain:" + request.getValue()));
          responses.onCompleted();
        };
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(EchoService.bind(answer, answer, answer::invoke))
            .build()
            .start();
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      StringValue reply =
          ClientCalls.blockingUnaryCall(
              channel,
              EchoService.ECHO,
              io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
              StringValue.of("hello"));
      return "ok reply=" + reply.getValue();
    } catch (RuntimeException e) {
      return "failed error=" + e;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void reportLibrary(String name, Class<?> type) {
    String version =
        type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
    OUT.println(
        "LIB name="
            + name
            + (version == null ? "" : " version=" + version)
            + " location="
            + location(type));
  }

  private static void probe(String className, ClassLoader loader) {
    try {
      Class<?> type = Class.forName(className, false, loader);
      OUT.println("CLASS name=" + className + " visible=true location=" + location(type));
    } catch (ClassNotFoundException | LinkageError e) {
      OUT.println("CLASS name=" + className + " visible=false");
    }
  }

  /**
   * The file name of the jar (or the last folder) a class comes from: no absolute paths in the
   * output.
   */
  private static String location(Class<?> type) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    URL url = source == null ? null : source.getLocation();
    if (url == null) {
      return "bootstrap";
    }
    try {
      Path path = Paths.get(url.toURI());
      return String.valueOf(path.getFileName());
    } catch (Exception e) {
      return url.getProtocol();
    }
  }
}
