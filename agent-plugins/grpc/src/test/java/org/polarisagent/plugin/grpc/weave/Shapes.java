package org.polarisagent.plugin.grpc.weave;

import java.util.Map;

/** Classes shaped like the gRPC methods the hooks rewrite, with branches, loops and handlers. */
final class Shapes {

  private Shapes() {}

  /** A channel builder factory. */
  public static final class Factory {
    private Factory() {}

    public static StringBuilder forTarget(String target) {
      StringBuilder builder = new StringBuilder();
      for (int i = 0; i < 2; i++) {
        if (target.isEmpty()) {
          return builder.append("empty");
        }
      }
      return builder.append("builder for ").append(target);
    }

    public static StringBuilder forAddress(String host, int port) {
      return new StringBuilder("builder for " + host + ":" + port);
    }

    public static StringBuilder newChannelBuilderForAddress(
        String host, int port, long credentials) {
      return new StringBuilder(host + ":" + port + " with " + credentials);
    }

    /** Not a factory the hooks know. */
    public static StringBuilder forOther(String target) {
      return new StringBuilder(target);
    }
  }

  /** A channel builder implementation with its default setters. */
  public static final class ChannelBuilder {
    public Map<String, ?> serviceConfig;
    public String policy;

    public ChannelBuilder defaultServiceConfig(Map<String, ?> config) {
      serviceConfig = config;
      return this;
    }

    public ChannelBuilder defaultLoadBalancingPolicy(String policy) {
      this.policy = policy;
      return this;
    }
  }

  /** A server builder; with a delegate it forwards {@code build()} like a forwarding builder. */
  public static final class ServerBuilder {
    private final ServerBuilder delegate;
    private final RuntimeException failure;

    public ServerBuilder(ServerBuilder delegate, RuntimeException failure) {
      this.delegate = delegate;
      this.failure = failure;
    }

    public Object build() {
      if (delegate != null) {
        return delegate.build();
      }
      try {
        if (failure != null) {
          throw failure;
        }
      } catch (IllegalArgumentException handledInside) {
        return "server after " + handledInside.getMessage();
      }
      return "server";
    }
  }
}
