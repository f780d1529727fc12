package org.polarisagent.plugin.grpc;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.polarisagent.bootstrap.AgentClassLoader;
import org.polarisagent.core.adapter.AdapterClassLoader;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.sdk.SdkTransport;

/**
 * Finds or creates the {@link LoaderAdapters} of the class loader that holds a given gRPC type.
 *
 * <p>In the agent, adapters are defined in an {@link AdapterClassLoader} per application loader;
 * when the plugin runs on a plain class path (unit tests), they are loaded directly. Unsupported
 * gRPC versions get no-op adapters and one WARN line.
 *
 * <p>A loader's adapters keep that application loader alive (through their adapter loader), so
 * nothing of the agent may hold them strongly, or an application loader would never be collected:
 * the map holds them weakly, and each gRPC type asked about holds its loader's adapters (a {@link
 * ClassValue}, which lives as long as that class, hence as long as its loader). Thread-safe.
 */
final class AdaptersByLoader {

  static final String ADAPTER_PACKAGE = "org.polarisagent.plugin.grpc.adapter.";

  /**
   * Implements {@link LoaderAdapters}; named, not referenced, so that the adapter loader defines
   * it.
   */
  private static final String IMPLEMENTATION = ADAPTER_PACKAGE + "GrpcLoaderAdapters";

  private final AgentContext context;
  private final Map<ClassLoader, WeakReference<LoaderAdapters>> byLoader = new WeakHashMap<>();
  private final ClassValue<AtomicReference<LoaderAdapters>> heldByType =
      new ClassValue<AtomicReference<LoaderAdapters>>() {
        @Override
        protected AtomicReference<LoaderAdapters> computeValue(Class<?> type) {
          return new AtomicReference<>();
        }
      };
  private LoaderAdapters bootstrapGrpc;

  AdaptersByLoader(AgentContext context) {
    this.context = context;
  }

  LoaderAdapters forType(Class<?> grpcType) {
    ClassLoader loader = grpcType.getClassLoader();
    AtomicReference<LoaderAdapters> held = heldByType.get(grpcType);
    LoaderAdapters adapters = held.get();
    if (adapters != null) {
      return adapters;
    }
    synchronized (this) {
      if (loader == null) {
        if (bootstrapGrpc == null) {
          bootstrapGrpc = create(null);
        }
        adapters = bootstrapGrpc;
      } else {
        WeakReference<LoaderAdapters> known = byLoader.get(loader);
        adapters = known == null ? null : known.get();
        if (adapters == null) {
          adapters = create(loader);
          byLoader.put(loader, new WeakReference<>(adapters));
        }
      }
      held.set(adapters);
      return adapters;
    }
  }

  /** The adapters of this application loader if the bridge has made them already, else null. */
  synchronized LoaderAdapters existing(ClassLoader applicationLoader) {
    WeakReference<LoaderAdapters> known = byLoader.get(applicationLoader);
    return known == null ? null : known.get();
  }

  private LoaderAdapters create(ClassLoader applicationLoader) {
    String version = GrpcVersion.of(applicationLoader);
    if (!GrpcVersion.supported(version)) {
      AgentLog.warn(
          "gRPC "
              + version
              + " is not supported (1.30.0 or later is); its channels and servers"
              + " run without Polaris");
      return NoAdapters.INSTANCE;
    }
    try {
      ClassLoader agentLoader = context.agentLoader();
      ClassLoader adapterLoader =
          agentLoader instanceof AgentClassLoader
              ? new AdapterClassLoader(
                  (AgentClassLoader) agentLoader, applicationLoader, ADAPTER_PACKAGE)
              : AdaptersByLoader.class.getClassLoader();
      Class<?> type = Class.forName(IMPLEMENTATION, true, adapterLoader);
      return (LoaderAdapters) type.getConstructor(AgentContext.class).newInstance(context);
    } catch (Throwable t) {
      AgentLog.error(
          "cannot attach to gRPC " + version + "; its channels and servers run without Polaris", t);
      return NoAdapters.INSTANCE;
    }
  }

  /** For gRPC the agent cannot serve: everything stays as the application made it. */
  private enum NoAdapters implements LoaderAdapters {
    INSTANCE;

    @Override
    public void prepareClient(String polarisTarget) {}

    @Override
    public void prepareChannelBuilder(Object channelBuilder) {}

    @Override
    public void beforeServerBuild(Object serverBuilder) {}

    @Override
    public Object afterServerBuild(Object serverBuilder, Object server) {
      return server;
    }

    @Override
    public SdkTransport.ApplicationGrpc sdkChannels() {
      return null;
    }
  }
}
