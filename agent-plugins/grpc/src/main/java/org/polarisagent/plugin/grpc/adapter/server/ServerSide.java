package org.polarisagent.plugin.grpc.adapter.server;

import io.grpc.Server;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.plugin.grpc.ServerDepartures;

/**
 * The provider side for one application's gRPC: attaches a {@link ServerLifecycle} to every network
 * server the application builds, sharing the settings, the SDK registrar and the background threads
 * among them. Thread-safe.
 */
public final class ServerSide {

  /** Servers that deregister at once, each on its own thread, while Polaris is slow to answer. */
  static final int DEPARTING_THREADS = 4;

  private final ProviderSettings settings;
  private final InstanceHost hosts;
  private final Registrar registrar;
  private final Scheduler scheduler;
  private final Scheduler departingScheduler;
  private final AtomicBoolean unavailableLogged = new AtomicBoolean();
  private final ProvidedServices providedServices;

  public ServerSide(AgentContext context) {
    this.settings = ProviderSettings.from(context.config());
    this.hosts = InstanceHost.of(settings);
    this.registrar =
        new PolarisRegistrar(
            context.sdk(),
            settings,
            context.metrics(),
            BackgroundScheduler.shared("polaris-agent-heartbeat"));
    this.scheduler =
        new BackgroundScheduler("polaris-agent-server-registration", 1, context.agentLoader());
    this.departingScheduler =
        new BackgroundScheduler(
            "polaris-agent-server-departure", DEPARTING_THREADS, context.agentLoader());
    this.providedServices = new ProvidedServices(settings);
  }

  /**
   * Which Polaris service each call of this application's servers counts for, as registration
   * decides.
   */
  public ProvidedServices providedServices() {
    return providedServices;
  }

  /**
   * The server the application gets from a builder's {@code build()}: the built server wrapped in a
   * {@link PolarisServer}, or the built server itself when it is not to be registered or the
   * builder's {@code build()} is declared to return a type the wrapper is not.
   */
  public Object observe(Object builder, Object server) {
    if (!settings.register || !(server instanceof Server) || server instanceof PolarisServer) {
      return server;
    }
    if (!ProvidedServices.networkBuilder(builder)) {
      return server;
    }
    if (!buildReturns(builder.getClass(), PolarisServer.class)) {
      AgentLog.warn(
          builder.getClass().getName()
              + ".build() returns a specific server type; its servers"
              + " are not registered in Polaris");
      return server;
    }
    ServerLifecycle lifecycle =
        new ServerLifecycle(
            settings,
            hosts,
            registrar,
            scheduler,
            departingScheduler,
            Clock.SYSTEM,
            ServerDepartures.jvm(),
            unavailableLogged);
    AgentLog.debug("observing the gRPC server built by " + builder.getClass().getName());
    return new PolarisServer((Server) server, lifecycle);
  }

  /**
   * True if the declared return type of the builder's {@code build()} accepts the given server
   * type.
   */
  static boolean buildReturns(Class<?> builderType, Class<?> serverType) {
    try {
      return builderType.getMethod("build").getReturnType().isAssignableFrom(serverType);
    } catch (NoSuchMethodException | RuntimeException e) {
      return false;
    }
  }
}
