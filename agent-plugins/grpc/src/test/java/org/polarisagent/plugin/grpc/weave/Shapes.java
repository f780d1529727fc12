package org.polarisagent.plugin.grpc.weave;

import java.util.Map;

/** Classes shaped like the gRPC methods the hooks rewrite, with branches, loops and handlers. */
final class Shapes {

  private Shapes() {}

  /** A channel builder factory. */
  public static final class Factory {
    static final StringBuilder CACHED = new StringBuilder("cached builder");

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

    /** Returns with only the builder on a stack one deep, and takes a two-slot argument. */
    public static StringBuilder newChannelBuilderForAddress(
        String host, int port, long credentials) {
      return CACHED;
    }

    /** Not a factory the hooks know. */
    public static StringBuilder forOther(String target) {
      return new StringBuilder(target);
    }
  }

  /** Where the compiler adds bridges to the setters below, as gRPC's generic builders have. */
  public abstract static class GenericChannelBuilder<T> {
    public abstract T defaultLoadBalancingPolicy(String policy);
  }

  /** A channel builder implementation with its default setters. */
  public static final class ChannelBuilder extends GenericChannelBuilder<ChannelBuilder> {
    public Map<String, ?> serviceConfig;
    public String policy;

    public ChannelBuilder defaultServiceConfig(Map<String, ?> config) {
      serviceConfig = config;
      return this;
    }

    @Override
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

    public Server build() {
      if (delegate != null) {
        return delegate.build();
      }
      try {
        if (failure != null) {
          throw failure;
        }
      } catch (IllegalArgumentException handledInside) {
        return new Server("server after " + handledInside.getMessage());
      }
      return new Server("server");
    }
  }

  /** What a server builder builds. */
  public static class Server {
    private final String name;

    public Server(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
