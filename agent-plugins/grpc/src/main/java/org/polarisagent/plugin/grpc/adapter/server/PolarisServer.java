package org.polarisagent.plugin.grpc.adapter.server;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * The server an application gets from {@code ServerBuilder.build()}: the real server, with its Polaris
 * lifecycle attached. {@link #start()} registers the server in the background once it is bound;
 * {@link #shutdown()} and {@link #shutdownNow()} first deregister it and wait the drain delay while it still
 * serves, then shut it down. Everything else forwards to the real server unchanged. Thread-safe.
 */
public final class PolarisServer extends Server {

  private final Server delegate;
  private final ServerLifecycle lifecycle;

  PolarisServer(Server delegate, ServerLifecycle lifecycle) {
    this.delegate = delegate;
    this.lifecycle = lifecycle;
  }

  /** The real server built by gRPC. */
  public Server delegate() {
    return delegate;
  }

  @Override
  public Server start() throws IOException {
    delegate.start();
    try {
      lifecycle.started(listenSockets(), serviceNames());
    } catch (Throwable t) {
      AgentLog.warn("cannot register the gRPC server " + delegate + " in Polaris: " + t);
    }
    return this;
  }

  @Override
  public Server shutdown() {
    depart();
    delegate.shutdown();
    return this;
  }

  @Override
  public Server shutdownNow() {
    depart();
    delegate.shutdownNow();
    return this;
  }

  private void depart() {
    try {
      lifecycle.awaitDeparture();
    } catch (Throwable t) {
      AgentLog.warn("cannot deregister the gRPC server " + delegate + " from Polaris: " + t);
    }
  }

  private List<? extends SocketAddress> listenSockets() {
    try {
      return delegate.getListenSockets();
    } catch (UnsupportedOperationException e) {
      // A server type that cannot list its sockets: fall back to its port, on all interfaces.
      int port = delegate.getPort();
      return port > 0
          ? Collections.singletonList(new InetSocketAddress(port))
          : Collections.<SocketAddress>emptyList();
    }
  }

  private List<String> serviceNames() {
    List<String> names = new ArrayList<>();
    for (ServerServiceDefinition service : delegate.getServices()) {
      names.add(service.getServiceDescriptor().getName());
    }
    return names;
  }

  @Override
  public int getPort() {
    return delegate.getPort();
  }

  @Override
  public List<? extends SocketAddress> getListenSockets() {
    return delegate.getListenSockets();
  }

  @Override
  public List<ServerServiceDefinition> getServices() {
    return delegate.getServices();
  }

  @Override
  public List<ServerServiceDefinition> getImmutableServices() {
    return delegate.getImmutableServices();
  }

  @Override
  public List<ServerServiceDefinition> getMutableServices() {
    return delegate.getMutableServices();
  }

  @Override
  public boolean isShutdown() {
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return delegate.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return delegate.awaitTermination(timeout, unit);
  }

  @Override
  public void awaitTermination() throws InterruptedException {
    delegate.awaitTermination();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
