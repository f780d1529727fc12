package org.polarisagent.plugin.grpc.adapter.propagation;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import org.polarisagent.core.logging.AgentLog;

/**
 * On every server call that carries at least one propagated header: puts those headers in a child
 * of the call's gRPC {@code Context}, attached around the handler's start and each of its listener
 * callbacks. A call without any passes untouched, and so does one whose headers cannot be read (one
 * WARN line). Thread-safe.
 */
final class HeaderCapture implements ServerInterceptor {

  private final List<Metadata.Key<String>> keys;
  private final Context.Key<PropagatedHeaders> contextKey;

  HeaderCapture(List<Metadata.Key<String>> keys, Context.Key<PropagatedHeaders> contextKey) {
    this.keys = keys;
    this.contextKey = contextKey;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    PropagatedHeaders captured;
    try {
      captured = PropagatedHeaders.capture(keys, headers);
    } catch (RuntimeException e) {
      AgentLog.warn("cannot read the headers to propagate of a call, it goes on without: " + e);
      captured = null;
    }
    if (captured == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(
        Context.current().withValue(contextKey, captured), call, headers, next);
  }
}
