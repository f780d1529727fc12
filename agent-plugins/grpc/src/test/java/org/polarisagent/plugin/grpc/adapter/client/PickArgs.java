package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.CallOptions;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/** The arguments of one call (default options unless given), as gRPC passes them to a picker. */
final class PickArgs extends LoadBalancer.PickSubchannelArgs {
  private final MethodDescriptor<?, ?> method;
  private final Metadata headers;
  private final CallOptions options;

  PickArgs(MethodDescriptor<?, ?> method, Metadata headers) {
    this(method, headers, CallOptions.DEFAULT);
  }

  PickArgs(MethodDescriptor<?, ?> method, Metadata headers, CallOptions options) {
    this.method = method;
    this.headers = headers;
    this.options = options;
  }

  @Override
  public CallOptions getCallOptions() {
    return options;
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
