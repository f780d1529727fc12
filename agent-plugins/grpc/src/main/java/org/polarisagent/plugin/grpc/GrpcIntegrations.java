package org.polarisagent.plugin.grpc;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.polarisagent.bootstrap.AgentClassLoader;
import org.polarisagent.core.adapter.AdapterClassLoader;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;

/**
 * Finds or creates the {@link GrpcIntegration} of the class loader that holds a given gRPC type.
 *
 * <p>In the agent, adapters are defined in an {@link AdapterClassLoader} per application loader; when the
 * plugin runs on a plain class path (unit tests), they are loaded directly. Unsupported gRPC versions get a
 * no-op integration and one WARN line.
 *
 * <p>An integration keeps its application loader alive (through its adapter loader), so nothing of the agent
 * may hold it strongly, or an application loader would never be collected: the map holds integrations weakly,
 * and each gRPC type asked about holds its loader's integration (a {@link ClassValue}, which lives as long as
 * that class, hence as long as its loader). Thread-safe.
 */
final class GrpcIntegrations {

  static final String ADAPTER_PACKAGE = "org.polarisagent.plugin.grpc.adapter.";
  private static final String IMPLEMENTATION = ADAPTER_PACKAGE + "PolarisGrpcIntegration";

  private final AgentContext context;
  private final Map<ClassLoader, WeakReference<GrpcIntegration>> byLoader = new WeakHashMap<>();
  private final ClassValue<AtomicReference<GrpcIntegration>> heldByType =
      new ClassValue<AtomicReference<GrpcIntegration>>() {
        @Override
        protected AtomicReference<GrpcIntegration> computeValue(Class<?> type) {
          return new AtomicReference<>();
        }
      };
  private GrpcIntegration bootstrapGrpc;

  GrpcIntegrations(AgentContext context) {
    this.context = context;
  }

  GrpcIntegration forType(Class<?> grpcType) {
    ClassLoader loader = grpcType.getClassLoader();
    AtomicReference<GrpcIntegration> held = heldByType.get(grpcType);
    GrpcIntegration integration = held.get();
    if (integration != null) {
      return integration;
    }
    synchronized (this) {
      if (loader == null) {
        if (bootstrapGrpc == null) {
          bootstrapGrpc = create(null);
        }
        integration = bootstrapGrpc;
      } else {
        WeakReference<GrpcIntegration> known = byLoader.get(loader);
        integration = known == null ? null : known.get();
        if (integration == null) {
          integration = create(loader);
          byLoader.put(loader, new WeakReference<>(integration));
        }
      }
      held.set(integration);
      return integration;
    }
  }

  private GrpcIntegration create(ClassLoader applicationLoader) {
    String version = GrpcVersion.of(applicationLoader);
    if (!GrpcVersion.supported(version)) {
      AgentLog.warn("gRPC " + version + " is not supported (1.30.0 or later is); its channels and servers"
          + " run without Polaris");
      return NoGrpcIntegration.INSTANCE;
    }
    try {
      ClassLoader agentLoader = context.agentLoader();
      ClassLoader adapterLoader =
          agentLoader instanceof AgentClassLoader
              ? new AdapterClassLoader((AgentClassLoader) agentLoader, applicationLoader, ADAPTER_PACKAGE)
              : GrpcIntegrations.class.getClassLoader();
      Class<?> type = Class.forName(IMPLEMENTATION, true, adapterLoader);
      return (GrpcIntegration) type.getConstructor(AgentContext.class).newInstance(context);
    } catch (Throwable t) {
      AgentLog.error("cannot attach to gRPC " + version + "; its channels and servers run without Polaris", t);
      return NoGrpcIntegration.INSTANCE;
    }
  }

  /** For gRPC the agent cannot serve: everything stays as the application made it. */
  private enum NoGrpcIntegration implements GrpcIntegration {
    INSTANCE;

    @Override
    public void prepareClient(String polarisTarget) {}

    @Override
    public void beforeServerBuild(Object serverBuilder) {}

    @Override
    public Object afterServerBuild(Object serverBuilder, Object server) {
      return server;
    }
  }
}
