package org.polarisagent.plugin.grpc.adapter.server;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks a server's own {@code grpc.health.v1.Health} service for its overall status (service {@code
 * ""}), in process: the service's {@code Check} handler is called directly, with no network, no TLS
 * and none of the interceptors the builder adds to every call (those wrapped into the service
 * definition itself do run), so any implementation answers ({@code HealthStatusManager} of {@code
 * io.grpc.protobuf.services} or {@code io.grpc.services}, or the application's own). The request
 * and the answer go through the service's own marshallers; only the answer's one field, the status
 * number, is decoded here. The handler runs on a thread of its own (none while idle), with the
 * handler's class loader as context class loader, so that a handler that blocks holds up nothing
 * else: its check counts as unreadable, and so does every check while it is stuck. Thread-safe.
 */
final class HealthProbe {

  /** The service a server exposes when it has a health service. */
  static final String SERVICE = "grpc.health.v1.Health";

  /** How long a check may take to answer before its status counts as unreadable. */
  static final long ANSWER_MILLIS = 3_000;

  /** HealthCheckResponse.ServingStatus.SERVING's number. */
  private static final int SERVING = 1;

  /** What a check found. */
  enum Result {
    SERVING,
    /** Any other status answered: NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN. */
    NOT_SERVING,
    /** No status: the check failed, or did not answer in time. */
    UNREADABLE
  }

  private final ServerMethodDefinition<?, ?> check;
  private final ThreadPoolExecutor caller;
  private volatile Future<Result> running;

  private HealthProbe(ServerMethodDefinition<?, ?> check) {
    this.check = check;
    final ClassLoader handlerLoader = check.getServerCallHandler().getClass().getClassLoader();
    this.caller =
        new ThreadPoolExecutor(
            1,
            1,
            5,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<Runnable>(),
            task -> {
              Thread thread = new Thread(task, "polaris-agent-health-check");
              thread.setDaemon(true);
              thread.setContextClassLoader(handlerLoader);
              return thread;
            });
    caller.allowCoreThreadTimeOut(true);
  }

  /** The probe of a server that exposes a health service with a Check method, else null. */
  static HealthProbe of(List<ServerServiceDefinition> services) {
    for (ServerServiceDefinition service : services) {
      if (SERVICE.equals(service.getServiceDescriptor().getName())) {
        ServerMethodDefinition<?, ?> check = service.getMethod(SERVICE + "/Check");
        return check == null ? null : new HealthProbe(check);
      }
    }
    return null;
  }

  /** Asks the health service once; never throws, waits at most {@link #ANSWER_MILLIS}. */
  Result check() {
    Future<Result> previous = running;
    if (previous != null && !previous.isDone()) {
      return Result.UNREADABLE; // the previous check is stuck in the handler
    }
    try {
      Future<Result> asked = caller.submit(() -> ask(check));
      running = asked;
      return asked.get(ANSWER_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.UNREADABLE;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return Result.UNREADABLE;
    }
  }

  private static <ReqT, RespT> Result ask(ServerMethodDefinition<ReqT, RespT> method)
      throws InterruptedException {
    MethodDescriptor<ReqT, RespT> descriptor = method.getMethodDescriptor();
    // An empty message: HealthCheckRequest with service "", the server as a whole.
    ReqT request = descriptor.parseRequest(new ByteArrayInputStream(new byte[0]));
    ProbeCall<ReqT, RespT> call = new ProbeCall<>(descriptor);
    ServerCallHandler<ReqT, RespT> handler = method.getServerCallHandler();
    ServerCall.Listener<ReqT> listener = handler.startCall(call, new Metadata());
    listener.onReady();
    listener.onMessage(request);
    listener.onHalfClose();
    if (!call.answered.await(ANSWER_MILLIS, TimeUnit.MILLISECONDS)) {
      call.cancelled = true;
      listener.onCancel();
      return Result.UNREADABLE;
    }
    listener.onComplete();
    if (!call.status.isOk() || !call.answeredStatus) {
      return Result.UNREADABLE;
    }
    return call.servingStatus == SERVING ? Result.SERVING : Result.NOT_SERVING;
  }

  /** The call the handler answers: keeps the status number of the one response and the end. */
  private static final class ProbeCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
    private final MethodDescriptor<ReqT, RespT> descriptor;
    final CountDownLatch answered = new CountDownLatch(1);
    volatile int servingStatus;
    volatile boolean answeredStatus;
    volatile Status status;
    volatile boolean cancelled;

    ProbeCall(MethodDescriptor<ReqT, RespT> descriptor) {
      this.descriptor = descriptor;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(RespT message) {
      try (InputStream in = descriptor.streamResponse(message)) {
        servingStatus = statusNumber(in);
        answeredStatus = true;
      } catch (IOException | RuntimeException e) {
        answeredStatus = false;
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      this.status = status;
      answered.countDown();
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
      return descriptor;
    }
  }

  /**
   * The value of field 1 (varint) of a protobuf message, HealthCheckResponse's status; 0 (UNKNOWN)
   * when absent, as proto3 leaves a zero out.
   */
  static int statusNumber(InputStream in) throws IOException {
    int value = 0;
    int tag;
    while ((tag = readVarint(in)) >= 0) {
      int field = tag >>> 3;
      int wireType = tag & 7;
      if (wireType == 0) {
        int read = readVarint(in);
        if (field == 1) {
          value = read;
        }
      } else if (wireType == 2) {
        skip(in, readVarint(in));
      } else if (wireType == 1) {
        skip(in, 8);
      } else if (wireType == 5) {
        skip(in, 4);
      } else {
        return 0;
      }
    }
    return value;
  }

  /** A varint (at most 32 bits kept), or -1 at the end of the stream. */
  private static int readVarint(InputStream in) throws IOException {
    int result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0) {
          return -1;
        }
        throw new IOException("truncated varint");
      }
      if (shift < 32) {
        result |= (b & 0x7f) << shift;
      }
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new IOException("malformed varint");
  }

  private static void skip(InputStream in, long count) throws IOException {
    for (long left = count; left > 0; ) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("truncated field");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }
}
