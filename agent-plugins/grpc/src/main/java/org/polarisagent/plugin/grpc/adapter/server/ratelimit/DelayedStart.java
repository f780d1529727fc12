package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A call that a queueing rule lets through after a wait, without holding a gRPC thread meanwhile: gRPC gets
 * this listener at once; it keeps the call's events until the handler has started on the delay thread
 * (in the call's {@link Context}, with the context class loader of the thread that received the call), then
 * hands them over in order and passes later ones straight on. A call cancelled while waiting never starts.
 * Thread-safe.
 */
final class DelayedStart<ReqT, RespT> extends ServerCall.Listener<ReqT> {

  /** One event of the call, kept until the handler's listener exists. */
  private interface Event<ReqT> {
    void deliver(ServerCall.Listener<ReqT> listener);
  }

  private final ServerCall<ReqT, RespT> call;
  private final Metadata headers;
  private final ServerCallHandler<ReqT, RespT> next;
  private final List<Runnable> releases;
  private final Context context = Context.current();
  private final ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
  private final Object lock = new Object();
  // Guarded by lock.
  private List<Event<ReqT>> pending = new ArrayList<>();
  private ServerCall.Listener<ReqT> delegate;

  /** Created on the thread that received the call. */
  DelayedStart(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next,
      List<Runnable> releases) {
    this.call = call;
    this.headers = headers;
    this.next = next;
    this.releases = releases;
  }

  /** Starts the call after the wait on the timer; at once here if the timer refuses. */
  DelayedStart<ReqT, RespT> startAfter(ScheduledExecutorService timer, long waitMillis) {
    try {
      timer.schedule(this::start, waitMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException rejected) {
      start();
    }
    return this;
  }

  private void start() {
    ServerCall.Listener<ReqT> started = new ServerCall.Listener<ReqT>() {};
    if (call.isCancelled()) {
      ReleasingListener.runAll(releases);
    } else {
      Thread thread = Thread.currentThread();
      ClassLoader previousLoader = thread.getContextClassLoader();
      thread.setContextClassLoader(contextLoader);
      Context previous = context.attach();
      try {
        started = next.startCall(call, headers);
        if (!releases.isEmpty()) {
          started = new ReleasingListener<>(started, releases);
        }
      } catch (Throwable t) {
        // What gRPC does when a handler fails to start: the call ends with the failure.
        ReleasingListener.runAll(releases);
        closeQuietly(Status.fromThrowable(t));
      } finally {
        context.detach(previous);
        thread.setContextClassLoader(previousLoader);
      }
    }
    handOver(started);
  }

  private void handOver(ServerCall.Listener<ReqT> started) {
    while (true) {
      List<Event<ReqT>> batch;
      synchronized (lock) {
        if (pending.isEmpty()) {
          pending = null;
          delegate = started;
          return;
        }
        batch = pending;
        pending = new ArrayList<>();
      }
      Thread thread = Thread.currentThread();
      ClassLoader previousLoader = thread.getContextClassLoader();
      thread.setContextClassLoader(contextLoader);
      Context previous = context.attach();
      try {
        for (Event<ReqT> event : batch) {
          try {
            event.deliver(started);
          } catch (Throwable t) {
            closeQuietly(Status.fromThrowable(t));
          }
        }
      } finally {
        context.detach(previous);
        thread.setContextClassLoader(previousLoader);
      }
    }
  }

  private void closeQuietly(Status status) {
    try {
      call.close(status, new Metadata());
    } catch (Throwable alreadyClosed) {
      // The handler closed it first.
    }
  }

  private void deliver(Event<ReqT> event) {
    ServerCall.Listener<ReqT> target;
    synchronized (lock) {
      target = delegate;
      if (target == null) {
        pending.add(event);
        return;
      }
    }
    event.deliver(target);
  }

  @Override
  public void onMessage(ReqT message) {
    deliver(listener -> listener.onMessage(message));
  }

  @Override
  public void onHalfClose() {
    deliver(ServerCall.Listener::onHalfClose);
  }

  @Override
  public void onCancel() {
    deliver(ServerCall.Listener::onCancel);
  }

  @Override
  public void onComplete() {
    deliver(ServerCall.Listener::onComplete);
  }

  @Override
  public void onReady() {
    deliver(ServerCall.Listener::onReady);
  }
}
