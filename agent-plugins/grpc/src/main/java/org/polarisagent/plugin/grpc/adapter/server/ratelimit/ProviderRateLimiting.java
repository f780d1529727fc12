package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import io.grpc.ServerBuilder;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.plugin.grpc.adapter.server.ProvidedServices;

/**
 * Rate limiting for one application's gRPC servers: adds one {@link RateLimitInterceptor} to each
 * network server builder, once however often it is built, and re-reads the rules of the watched
 * services every second on the agent's shared threads. With {@code polaris.service} set, that
 * service's rules are fetched as soon as the first server is built. Thread-safe.
 */
public final class ProviderRateLimiting {

  static final long REFRESH_MILLIS = 1000;

  private final ClassLoader agentLoader;
  private final RateLimitInterceptor interceptor;
  private final Map<Object, Boolean> attached = new WeakHashMap<>();
  private final Set<String> refusingBuilders = ConcurrentHashMap.newKeySet();
  private ScheduledThreadPoolExecutor delays;

  public ProviderRateLimiting(AgentContext context, ProvidedServices services) {
    this.agentLoader = context.agentLoader();
    RateLimitSdk sdk = new PolarisRateLimitSdk(context.sdk());
    ScheduledThreadPoolExecutor refresher = DaemonScheduler.serial("polaris-agent-ratelimit-rules");
    RuleCache rules = new RuleCache(sdk, services.namespace(), refresher);
    DaemonScheduler.scheduleWhileHeld(refresher, rules, REFRESH_MILLIS);
    this.interceptor =
        new RateLimitInterceptor(services, rules, sdk, this::delays, context.metrics());
    if (!services.configuredService().isEmpty()) {
      rules.watch(services.configuredService());
    }
  }

  /** Adds the interceptor to a {@code io.grpc.ServerBuilder}, unless it has it already. */
  public void attach(Object builder) {
    synchronized (attached) {
      if (attached.put(builder, Boolean.TRUE) != null) {
        return;
      }
    }
    try {
      ((ServerBuilder<?>) builder).intercept(interceptor);
    } catch (UnsupportedOperationException e) {
      if (refusingBuilders.add(builder.getClass().getName())) {
        AgentLog.warn(
            builder.getClass().getName()
                + " takes no interceptor: the servers it builds are not"
                + " rate-limited by Polaris");
      }
    }
  }

  private synchronized ScheduledExecutorService delays() {
    if (delays == null) {
      // Its own thread, which ends when idle: ending a wait starts the application's call.
      delays = DaemonScheduler.create("polaris-agent-ratelimit-queue", agentLoader, 1);
    }
    return delays;
  }
}
