package org.polarisagent.plugin.grpc.adapter.propagation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.polarisagent.plugin.grpc.TestAgentContext;
import org.polarisagent.plugin.grpc.adapter.GrpcLoaderAdapters;
import org.polarisagent.plugin.grpc.adapter.TextMethods;

/**
 * Header pass-through through real gRPC (the oldest supported, in-process transport), wired the way
 * the bridge wires it: a relay server B whose handler calls server C through a channel, both built
 * from builders the adapters prepared. C answers with the headers it received.
 */
class HeaderPropagationTest {

  private static final MethodDescriptor<String, String> ECHO =
      TextMethods.method("echo.Echo/Echo", MethodDescriptor.MethodType.UNARY);
  private static final Metadata.Key<String> ENV = key("x-env");
  private static final Metadata.Key<String> LANE = key("x-lane");
  private static final Metadata.Key<String> OTHER = key("x-other");

  /** B's calls to C: on the handler's thread, or handed to another thread in one of these ways. */
  private enum Hop {
    HANDLER_THREAD,
    CONTEXT_WRAPPED_EXECUTOR,
    PLAIN_EXECUTOR,
    APP_SETS_ENV
  }

  /** Two threads, so that calls with and without headers take turns on the same threads. */
  private final ExecutorService relayThreads = Executors.newFixedThreadPool(2);

  private final ExecutorService appPool = Executors.newFixedThreadPool(2);
  private final ExecutorService clients = Executors.newFixedThreadPool(8);
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
    relayThreads.shutdownNow();
    appPool.shutdownNow();
    clients.shutdownNow();
    for (Server server : servers) {
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void configuredHeadersReachTheCallsTheHandlerMakesOnItsThread() throws Exception {
    Channel b = chain("x-env,x-lane", Hop.HANDLER_THREAD);
    Metadata headers = headers("x-env", "gray");
    headers.put(LANE, "l1");
    headers.put(OTHER, "o1");
    assertEquals("x-env=[gray] x-lane=[l1] x-other=null", call(b, headers));
    assertEquals("x-env=null x-lane=null x-other=null", call(b, new Metadata()));
  }

  @Test
  void headersFollowTheContextIntoWrappedExecutorsButNotIntoOtherThreads() throws Exception {
    assertEquals(
        "x-env=[gray] x-lane=null x-other=null",
        call(chain("x-env", Hop.CONTEXT_WRAPPED_EXECUTOR), headers("x-env", "gray")));
    assertEquals(
        "x-env=null x-lane=null x-other=null",
        call(chain("x-env", Hop.PLAIN_EXECUTOR), headers("x-env", "gray")));
  }

  @Test
  void aHeaderTheApplicationSetsOnItsCallWins() throws Exception {
    assertEquals(
        "x-env=[blue] x-lane=null x-other=null",
        call(chain("x-env", Hop.APP_SETS_ENV), headers("x-env", "gray")));
  }

  @Test
  void everyValueOfARepeatedHeaderPasses() throws Exception {
    Metadata headers = headers("x-env", "a");
    headers.put(ENV, "b");
    assertEquals(
        "x-env=[a, b] x-lane=null x-other=null", call(chain("x-env", Hop.HANDLER_THREAD), headers));
  }

  @Test
  void withoutThePropertyNothingPasses() throws Exception {
    assertEquals(
        "x-env=null x-lane=null x-other=null",
        call(chain("", Hop.HANDLER_THREAD), headers("x-env", "gray")));
  }

  @Test
  void concurrentCallsNeverSeeEachOthersHeaders() throws Exception {
    Channel b = chain("x-env", Hop.HANDLER_THREAD);
    List<Future<String>> replies = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      final int n = i;
      replies.add(
          clients.submit(() -> call(b, n % 2 == 0 ? headers("x-env", "v" + n) : new Metadata())));
    }
    for (int i = 0; i < replies.size(); i++) {
      String expected = i % 2 == 0 ? "[v" + i + "]" : "null";
      assertEquals(
          "x-env=" + expected + " x-lane=null x-other=null",
          replies.get(i).get(30, TimeUnit.SECONDS),
          "call " + i);
    }
  }

  @Test
  void nothingIsWiredByDefault() {
    assertNull(HeaderPropagation.of(TestAgentContext.withoutSdk(null).config()));
  }

  /** Starts C and the relay B, both prepared by the adapters; returns a client channel to B. */
  private Channel chain(String propagated, Hop hop) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("polaris.grpc.propagate-headers", propagated);
    GrpcLoaderAdapters adapters =
        new GrpcLoaderAdapters(TestAgentContext.withoutSdk(null, properties));
    String c = "c-" + System.nanoTime();
    server(
        adapters,
        InProcessServerBuilder.forName(c),
        (call, headers) -> reply(call, describe(headers)));

    InProcessChannelBuilder toC = InProcessChannelBuilder.forName(c);
    adapters.prepareChannelBuilder(toC);
    adapters.prepareChannelBuilder(toC); // as nested builder factories do: still once
    ManagedChannel cChannel = toC.build();
    channels.add(cChannel);
    String b = "b-" + System.nanoTime();
    server(
        adapters,
        InProcessServerBuilder.forName(b).executor(relayThreads),
        (call, headers) -> relay(call, cChannel, hop));
    ManagedChannel bChannel = InProcessChannelBuilder.forName(b).build();
    channels.add(bChannel);
    return bChannel;
  }

  private void server(
      GrpcLoaderAdapters adapters,
      InProcessServerBuilder builder,
      ServerCallHandler<String, String> handler)
      throws Exception {
    builder.addService(
        ServerServiceDefinition.builder("echo.Echo").addMethod(ECHO, handler).build());
    adapters.beforeServerBuild(builder);
    servers.add(builder.build().start());
  }

  /** B's handler: on half-close, calls C the way {@code hop} says and answers with C's reply. */
  private ServerCall.Listener<String> relay(ServerCall<String, String> call, Channel toC, Hop hop) {
    call.request(1);
    return new ServerCall.Listener<String>() {
      @Override
      public void onHalfClose() {
        String reply;
        try {
          switch (hop) {
            case CONTEXT_WRAPPED_EXECUTOR:
              reply =
                  CompletableFuture.supplyAsync(
                          () -> call(toC, new Metadata()), Context.currentContextExecutor(appPool))
                      .get(10, TimeUnit.SECONDS);
              break;
            case PLAIN_EXECUTOR:
              reply =
                  CompletableFuture.supplyAsync(() -> call(toC, new Metadata()), appPool)
                      .get(10, TimeUnit.SECONDS);
              break;
            case APP_SETS_ENV:
              reply =
                  call(ClientInterceptors.intercept(toC, setting("x-env", "blue")), new Metadata());
              break;
            default:
              reply = call(toC, new Metadata());
          }
        } catch (Exception e) {
          call.close(Status.INTERNAL.withDescription(e.toString()), new Metadata());
          return;
        }
        answer(call, reply);
      }
    };
  }

  /** A listener that answers {@code text} and closes the call once the request is in. */
  private static ServerCall.Listener<String> reply(ServerCall<String, String> call, String text) {
    call.request(1);
    return new ServerCall.Listener<String>() {
      @Override
      public void onHalfClose() {
        answer(call, text);
      }
    };
  }

  private static void answer(ServerCall<String, String> call, String text) {
    call.sendHeaders(new Metadata());
    call.sendMessage(text);
    call.close(Status.OK, new Metadata());
  }

  private static String describe(Metadata headers) {
    return "x-env="
        + list(headers.getAll(ENV))
        + " x-lane="
        + list(headers.getAll(LANE))
        + " x-other="
        + list(headers.getAll(OTHER));
  }

  private static List<String> list(Iterable<String> values) {
    if (values == null) {
      return null;
    }
    List<String> list = new ArrayList<>();
    values.forEach(list::add);
    return list;
  }

  /** One unary call with these headers, waited for (at most 20 s); its reply or its failure. */
  private static String call(Channel channel, Metadata headers) {
    CompletableFuture<String> reply = new CompletableFuture<>();
    ClientCall<String, String> call =
        channel.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
    call.start(
        new ClientCall.Listener<String>() {
          @Override
          public void onMessage(String message) {
            reply.complete(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            reply.complete(status.isOk() ? "no reply" : status.toString());
          }
        },
        headers);
    call.request(1);
    call.sendMessage("hello");
    call.halfClose();
    try {
      return reply.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** An application's own interceptor that sets a header on every call. */
  private static ClientInterceptor setting(String name, String value) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            headers.put(key(name), value);
            super.start(listener, headers);
          }
        };
      }
    };
  }

  private static Metadata headers(String name, String value) {
    Metadata headers = new Metadata();
    headers.put(key(name), value);
    return headers;
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
