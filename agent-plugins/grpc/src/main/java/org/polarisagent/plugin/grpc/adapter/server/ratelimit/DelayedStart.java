package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call that a queueing rule lets through after a wait, without holding a gRPC thread meanwhile:
 * gRPC gets this listener at once; it keeps the call's events until the handler has started, then
 * hands them over in order and passes later ones straight on. A call cancelled while waiting never
 * starts.
 *
 * <p>The handler starts on the call's own executor (the server's executor, as any call does), never
 * on the shared timer: when the wait is over the timer only asks gRPC for the call's first message
 * ({@link ServerCall#request}), and the handler starts on the thread gRPC delivers the next event
 * on. That message is counted against the handler's first {@code request}, so the handler gets
 * exactly the messages it asks for. A client- or bidi-streaming call whose client sends nothing
 * within {@link #FIRST_EVENT_GRACE_MILLIS} after the wait starts on the timer instead, so that a
 * server that speaks first is not kept waiting. The start runs in the call's {@link Context} with
 * the context class loader of the thread that received the call. Thread-safe.
 */
final class DelayedStart<ReqT, RespT> extends ServerCall.Listener<ReqT> {

  /** How long a streaming call may wait after the wait for a client event to start on. */
  static final long FIRST_EVENT_GRACE_MILLIS = 200;

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
  private boolean waitOver;
  private boolean starting;
  // Set before the wait is over, read by the start after.
  private volatile boolean prefetched;

  /** Created on the thread that received the call. */
  DelayedStart(
      ServerCall<ReqT, RespT> call,
      Metadata headers,
      ServerCallHandler<ReqT, RespT> next,
      List<Runnable> releases) {
    this.call = call;
    this.headers = headers;
    this.next = next;
    this.releases = releases;
  }

  /** Ends the wait on the timer after the given time; at once here if the timer refuses. */
  DelayedStart<ReqT, RespT> startAfter(final ScheduledExecutorService timer, long waitMillis) {
    try {
      timer.schedule(
          new Runnable() {
            @Override
            public void run() {
              endWait(timer);
            }
          },
          waitMillis,
          TimeUnit.MILLISECONDS);
    } catch (RuntimeException rejected) {
      // Still on the thread that received the call: start here.
      startOnce();
    }
    return this;
  }

  /**
   * On the timer: asks gRPC for the first message, whose delivery starts the call on the call's
   * executor.
   */
  private void endWait(ScheduledExecutorService timer) {
    // Before the wait is over: a start on an event that comes first still counts the message asked
    // for.
    prefetched = true;
    synchronized (lock) {
      waitOver = true;
    }
    if (call.isCancelled()) {
      // Nothing of the application runs for a cancelled call: only its quota is given back.
      startOnce();
      return;
    }
    try {
      call.request(1);
      MethodDescriptor.MethodType type = call.getMethodDescriptor().getType();
      if (!type.clientSendsOneMessage()) {
        timer.schedule(this::startOnce, FIRST_EVENT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (Throwable t) {
      startOnce();
    }
  }

  private void startOnce() {
    synchronized (lock) {
      if (starting) {
        return;
      }
      starting = true;
    }
    start();
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
        started = next.startCall(prefetched ? new CreditedCall<>(call) : call, headers);
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

  /**
   * The call as the handler sees it: the message asked for on its behalf counts against its first
   * request.
   */
  private static final class CreditedCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final AtomicBoolean credit = new AtomicBoolean(true);

    CreditedCall(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    @Override
    public void request(int numMessages) {
      int more =
          numMessages > 0 && credit.compareAndSet(true, false) ? numMessages - 1 : numMessages;
      if (more > 0) {
        super.request(more);
      }
    }
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

  /**
   * Runs on the call's executor, as gRPC delivers events: the first one after the wait starts the
   * call.
   */
  private void deliver(Event<ReqT> event) {
    ServerCall.Listener<ReqT> target;
    synchronized (lock) {
      target = delegate;
      if (target == null) {
        pending.add(event);
        if (!waitOver || starting) {
          return;
        }
        starting = true;
      }
    }
    if (target == null) {
      start();
    } else {
      event.deliver(target);
    }
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
