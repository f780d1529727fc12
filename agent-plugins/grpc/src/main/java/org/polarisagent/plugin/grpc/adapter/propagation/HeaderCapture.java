package org.polarisagent.plugin.grpc.adapter.propagation;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;

/**
 * On every server call that carries at least one propagated header: puts those headers in the
 * call's gRPC {@code Context}, which gRPC attaches while the call's handler runs. A call without
 * any passes untouched. Thread-safe.
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
    PropagatedHeaders captured = PropagatedHeaders.capture(keys, headers);
    if (captured == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(
        Context.current().withValue(contextKey, captured), call, headers, next);
  }
}
