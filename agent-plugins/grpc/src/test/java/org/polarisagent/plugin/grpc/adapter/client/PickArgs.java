package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.CallOptions;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/** The arguments of one call with default options, as gRPC passes them to a picker. */
final class PickArgs extends LoadBalancer.PickSubchannelArgs {
  private final MethodDescriptor<?, ?> method;
  private final Metadata headers;

  PickArgs(MethodDescriptor<?, ?> method, Metadata headers) {
    this.method = method;
    this.headers = headers;
  }

  @Override
  public CallOptions getCallOptions() {
    return CallOptions.DEFAULT;
  }

  @Override
  public Metadata getHeaders() {
    return headers;
  }

  @Override
  public MethodDescriptor<?, ?> getMethodDescriptor() {
    return method;
  }
}
