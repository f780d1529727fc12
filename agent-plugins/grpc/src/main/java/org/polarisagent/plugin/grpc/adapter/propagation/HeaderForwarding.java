package org.polarisagent.plugin.grpc.adapter.propagation;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import org.polarisagent.core.logging.AgentLog;

/**
 * On a Polaris channel: adds the propagated headers of the gRPC {@code Context} a call is created
 * in to that call's headers when it starts, before the balancer picks an instance (so that routing
 * sees them), unless the call already has the header. A call made outside a server call that
 * carried any passes untouched. Thread-safe.
 */
final class HeaderForwarding implements ClientInterceptor {

  private final Context.Key<PropagatedHeaders> contextKey;

  HeaderForwarding(Context.Key<PropagatedHeaders> contextKey) {
    this.contextKey = contextKey;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    final PropagatedHeaders propagated = contextKey.get();
    ClientCall<ReqT, RespT> call = next.newCall(method, options);
    if (propagated == null) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<ReqT, RespT>(call) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        try {
          propagated.addTo(headers);
        } catch (RuntimeException e) {
          AgentLog.warn("cannot propagate headers to a call, it goes on without them: " + e);
        }
        super.start(listener, headers);
      }
    };
  }
}
