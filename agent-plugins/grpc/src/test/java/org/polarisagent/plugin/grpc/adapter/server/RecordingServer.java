package org.polarisagent.plugin.grpc.adapter.server;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a real gRPC server that records every call in a shared event list. It terminates
 * as soon as it is shut down, and its {@code start()} fails with {@link #startFailure} when that is
 * set.
 */
final class RecordingServer extends Server {

  private final List<String> events;
  private final int port;
  private final List<ServerServiceDefinition> services = new ArrayList<>();
  volatile IOException startFailure;
  private volatile boolean shutdown;

  RecordingServer(List<String> events, int port, String... serviceNames) {
    this.events = events;
    this.port = port;
    for (String name : serviceNames) {
      services.add(ServerServiceDefinition.builder(new ServiceDescriptor(name)).build());
    }
  }

  private void record(String event) {
    synchronized (events) {
      events.add(event);
    }
  }

  @Override
  public Server start() throws IOException {
    record("server.start");
    if (startFailure != null) {
      throw startFailure;
    }
    return this;
  }

  @Override
  public int getPort() {
    record("server.getPort");
    return port;
  }

  @Override
  public List<? extends SocketAddress> getListenSockets() {
    return Collections.singletonList(new InetSocketAddress("127.0.0.1", port));
  }

  @Override
  public List<ServerServiceDefinition> getServices() {
    return services;
  }

  @Override
  public List<ServerServiceDefinition> getImmutableServices() {
    record("server.getImmutableServices");
    return services;
  }

  @Override
  public List<ServerServiceDefinition> getMutableServices() {
    record("server.getMutableServices");
    return Collections.emptyList();
  }

  @Override
  public Server shutdown() {
    record("server.shutdown");
    shutdown = true;
    return this;
  }

  @Override
  public Server shutdownNow() {
    record("server.shutdownNow");
    shutdown = true;
    return this;
  }

  @Override
  public boolean isShutdown() {
    record("server.isShutdown");
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    record("server.isTerminated");
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    record("server.awaitTermination " + timeout + " " + unit);
    return shutdown;
  }

  @Override
  public void awaitTermination() {
    record("server.awaitTermination");
  }

  static List<String> names(List<ServerServiceDefinition> definitions) {
    List<String> names = new ArrayList<>();
    for (ServerServiceDefinition definition : definitions) {
      names.add(definition.getServiceDescriptor().getName());
    }
    return names;
  }
}
