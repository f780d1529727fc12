package org.polarisagent.samples;

import com.google.protobuf.StringValue;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An app server in miniature: it deploys a "web app" that brings its own gRPC in a class loader of
 * its own (child first, as servlet containers do), lets it serve, undeploys it, drops the loader
 * and reports whether the loader was garbage-collected. No Polaris or agent code.
 *
 * <p>The web app ({@link #serveUntilStdinCloses}) starts a gRPC server with {@link EchoService} on
 * loopback, prints {@code SERVING port=N}, keeps serving until stdin is closed, then makes one call
 * to itself (to the target in the system property {@code redeploy.target} if set, else to its
 * server's address) and shuts its channel and server down and waits for both to terminate.
 *
 * <p>Output lines: {@code SERVING port=N}, {@code REPLY webapp:bye}, {@code UNDEPLOYED}, then
 * {@code COLLECTED ms=N} once a weak reference to the loader is cleared, or {@code LEAKED after
 * ms=N} if it is not within 60 s.
 */
public final class RedeployApp {

  private static final PrintStream OUT = System.out;
  private static final long COLLECT_DEADLINE_MILLIS = 60_000;

  /**
   * System property: the target of the web app's call to itself (default: its server's address).
   */
  static final String TARGET_PROPERTY = "redeploy.target";

  /**
   * System property: when true, the app server itself builds an in-process gRPC server of the
   * system class loader's gRPC before it deploys the web app.
   */
  static final String HOST_SERVER_PROPERTY = "redeploy.host-server";

  private RedeployApp() {}

  public static void main(String[] args) throws Exception {
    if (Boolean.getBoolean(HOST_SERVER_PROPERTY)) {
      // The app server's own gRPC (the system class loader's) builds a server before any
      // deployment.
      InProcessServerBuilder.forName("redeploy-host").build();
    }
    WeakReference<ClassLoader> loader = deployAndUndeploy();
    OUT.println("UNDEPLOYED");
    long begin = System.nanoTime();
    while (loader.get() != null) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
      if (millis > COLLECT_DEADLINE_MILLIS) {
        OUT.println("LEAKED after ms=" + millis);
        return;
      }
      System.gc();
      Thread.sleep(100);
    }
    OUT.println("COLLECTED ms=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
  }

  /**
   * Runs the web app on a thread of its own, as a container's request thread would, so that no
   * thread-local value of the web app's classes outlives it; the loader is dropped, not closed, as
   * its classes may still load while gRPC's shared threads wind down.
   */
  private static WeakReference<ClassLoader> deployAndUndeploy() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(new File(entry).toURI().toURL());
    }
    ClassLoader webapp =
        new ChildFirstLoader(urls.toArray(new URL[0]), RedeployApp.class.getClassLoader());
    Throwable[] failure = new Throwable[1];
    Thread deployed =
        new Thread(
            () -> {
              try {
                Class.forName(RedeployApp.class.getName(), true, webapp)
                    .getMethod("serveUntilStdinCloses")
                    .invoke(null);
              } catch (Throwable t) {
                failure[0] = t;
              }
            },
            "webapp");
    deployed.setContextClassLoader(webapp);
    deployed.start();
    deployed.join();
    if (failure[0] != null) {
      throw new IOException("the web app failed", failure[0]);
    }
    return new WeakReference<>(webapp);
  }

  /** The web app, run inside its own class loader. */
  public static void serveUntilStdinCloses() throws Exception {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                EchoService.bind(
                    (request, responses) -> {
                      responses.onNext(StringValue.of("webapp:" + request.getValue()));
                      responses.onCompleted();
                    },
                    (request, responses) -> {
                      responses.onNext(request);
                      responses.onCompleted();
                    },
                    (request, responses) -> responses.onCompleted()))
            .build()
            .start();
    OUT.println("SERVING port=" + server.getPort());
    InputStream in = System.in;
    while (in.read() >= 0) {
      // Serve until the test closes stdin.
    }
    String target = System.getProperty(TARGET_PROPERTY);
    ManagedChannel channel =
        (target == null
                ? NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                : NettyChannelBuilder.forTarget(target))
            .usePlaintext()
            .build();
    String reply =
        ClientCalls.blockingUnaryCall(
                channel,
                EchoService.ECHO,
                CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS),
                StringValue.of("bye"))
            .getValue();
    OUT.println("REPLY " + reply);
    channel.shutdownNow();
    server.shutdown();
    if (!channel.awaitTermination(30, TimeUnit.SECONDS)
        || !server.awaitTermination(30, TimeUnit.SECONDS)) {
      throw new IOException("the web app did not terminate");
    }
  }

  /** Loads classes from its own URLs first, as a servlet container's web app loader does. */
  private static final class ChildFirstLoader extends URLClassLoader {

    ChildFirstLoader(URL[] urls, ClassLoader parent) {
      super(urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      synchronized (getClassLoadingLock(name)) {
        Class<?> type = findLoadedClass(name);
        if (type == null && !fromParent(name)) {
          try {
            type = findClass(name);
          } catch (ClassNotFoundException notHere) {
            type = null;
          }
        }
        if (type == null) {
          return super.loadClass(name, resolve);
        }
        if (resolve) {
          resolveClass(type);
        }
        return type;
      }
    }

    private static boolean fromParent(String name) {
      return name.startsWith("java.")
          || name.startsWith("javax.")
          || name.startsWith("jdk.")
          || name.startsWith("sun.")
          || name.startsWith("com.sun.")
          || name.startsWith("org.polarisagent.bootstrap.");
    }
  }
}
