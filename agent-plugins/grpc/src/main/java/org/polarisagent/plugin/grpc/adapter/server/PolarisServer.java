package org.polarisagent.plugin.grpc.adapter.server;

import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * The server an application gets from {@code ServerBuilder.build()}: the real server, with its
 * Polaris lifecycle attached. {@link #start()} registers the server in the background once it is
 * bound.
 *
 * <p>{@link #shutdown()} and {@link #shutdownNow()} return at once and {@link #isShutdown()} is
 * true from then on, as gRPC defines; in the background the server is deregistered, keeps serving
 * for the drain delay, then the real server gets the {@code shutdown()} (or {@code shutdownNow()},
 * if that was asked for at any point). A server that was never registered stops at once. {@link
 * #isTerminated()} and {@code awaitTermination} cover the whole sequence: terminated means the real
 * server has terminated after the drain. Everything else forwards to the real server unchanged.
 * Thread-safe.
 */
public final class PolarisServer extends Server {

  private final Server delegate;
  private final ServerLifecycle lifecycle;
  private final Object lock = new Object();

  /** Opens once the real server has been told to stop. */
  private final CountDownLatch stopIssued = new CountDownLatch(1);

  // Guarded by lock.
  private boolean shutdownRequested;
  private boolean now;
  private boolean stopped;

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
      lifecycle.started(
          listenSockets(), serviceNames(), methodNames(), HealthProbe.of(delegate.getServices()));
    } catch (Throwable t) {
      AgentLog.warn("cannot register the gRPC server " + delegate + " in Polaris: " + t);
    }
    return this;
  }

  @Override
  public Server shutdown() {
    requestStop(false);
    return this;
  }

  @Override
  public Server shutdownNow() {
    requestStop(true);
    return this;
  }

  private void requestStop(boolean force) {
    boolean first;
    boolean forwardNow;
    synchronized (lock) {
      first = !shutdownRequested;
      shutdownRequested = true;
      now |= force;
      forwardNow = force && stopped;
    }
    if (forwardNow) {
      delegate.shutdownNow();
    } else if (first) {
      try {
        lifecycle.leave(
            new Runnable() {
              @Override
              public void run() {
                stopReal();
              }
            });
      } catch (Throwable t) {
        AgentLog.warn("cannot deregister the gRPC server " + delegate + " from Polaris: " + t);
        stopReal();
      }
    }
  }

  /**
   * Stops the real server, once, as the application asked: {@code shutdownNow()} if it ever did.
   */
  private void stopReal() {
    boolean force;
    synchronized (lock) {
      if (stopped) {
        return;
      }
      stopped = true;
      force = now;
    }
    try {
      if (force) {
        delegate.shutdownNow();
      } else {
        delegate.shutdown();
      }
    } finally {
      stopIssued.countDown();
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

  /** Full names of the server's methods, for its contract; none if the server cannot tell. */
  private List<String> methodNames() {
    List<String> names = new ArrayList<>();
    try {
      for (ServerServiceDefinition service : delegate.getServices()) {
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
          names.add(method.getMethodDescriptor().getFullMethodName());
        }
      }
    } catch (RuntimeException e) {
      AgentLog.debug("cannot list the methods of " + delegate + ": " + e);
      return Collections.emptyList();
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
    synchronized (lock) {
      if (shutdownRequested) {
        return true;
      }
    }
    return delegate.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return stopIssued.getCount() == 0 && delegate.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    if (!stopIssued.await(timeout, unit)) {
      return false;
    }
    return delegate.awaitTermination(
        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public void awaitTermination() throws InterruptedException {
    stopIssued.await();
    delegate.awaitTermination();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
