package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.core.sdk.PolarisRefusal;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.plugin.grpc.PolarisTarget;

/**
 * Resolves a {@code polaris://} target to the healthy, non-isolated gRPC instances of the service,
 * one address group per instance carrying the instance, and follows changes: the SDK's watch
 * notifies it, and gRPC's {@link #refresh()} re-reads. Its work runs serially on the shared
 * discovery pool, never on gRPC's threads or the application's (see {@link ClientSide} for how
 * services share the pool).
 *
 * <p>The result carries no service config: the application's own default service config (method
 * configs, retries, timeouts) stays in force, and the channel builder hooks make the Polaris
 * balancer the channel's policy. Thread-safe.
 */
final class PolarisNameResolver extends NameResolver {

  /**
   * Re-read of the SDK's cache: catches rule changes (which the watch does not report) and
   * instances whose circuit breaker lets calls through again.
   */
  private static final long REREAD_SECONDS = 1;

  /** How long calls may wait for the server's first answer before failing with UNAVAILABLE. */
  private static final long FIRST_ANSWER_WAIT_MILLIS = 5_000;

  /** A refused token is said once per JVM, not once per service. */
  private static final AtomicBoolean REFUSAL_LOGGED = new AtomicBoolean();

  private final PolarisTarget target;
  private final ClientSide client;
  private final SynchronizationContext syncContext;
  private final Executor serial;
  private final AtomicBoolean pending = new AtomicBoolean();
  private final DiscoveryState state = new DiscoveryState();
  private volatile Listener2 listener;
  private volatile boolean shutdown;

  /**
   * Ends the SDK's watch of the service; null until it watches. Confined to the serial executor.
   */
  private Runnable unwatch;

  private volatile List<String> published;
  private volatile ScheduledFuture<?> reread;

  /** When start() was called; confined to the serial executor after that. */
  private long startNanos;

  /** When the first query was made; confined to the serial executor. */
  private long firstQueryNanos;

  /**
   * Whether a resolution is asked for once the SDK has started; confined to the serial executor.
   */
  private boolean waitingForSdk;

  PolarisNameResolver(PolarisTarget target, Args args, ClientSide client) {
    this.target = target;
    this.client = client;
    this.syncContext = args.getSynchronizationContext();
    this.serial = client.threads().newSerialExecutor();
  }

  @Override
  public String getServiceAuthority() {
    return target.authority();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    startNanos = System.nanoTime();
    resolve();
    reread =
        client
            .threads()
            .timer()
            .scheduleWithFixedDelay(
                this::resolve, REREAD_SECONDS, REREAD_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void refresh() {
    resolve();
  }

  @Override
  public void shutdown() {
    shutdown = true;
    ScheduledFuture<?> task = reread;
    if (task != null) {
      task.cancel(false);
    }
    serial.execute(
        () -> {
          if (unwatch != null) {
            try {
              unwatch.run();
            } catch (RuntimeException e) {
              AgentLog.debug("cannot end the watch of " + describe() + ": " + e);
            }
            unwatch = null;
          }
        });
  }

  private void resolve() {
    if (!shutdown && pending.compareAndSet(false, true)) {
      serial.execute(this::resolveNow);
    }
  }

  private void resolveLater(long delayMillis) {
    if (!shutdown) {
      client.threads().timer().schedule(this::resolve, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void resolveNow() {
    pending.set(false);
    if (shutdown) {
      return;
    }
    ServiceDirectory directory = client.directory();
    if (directory == null) {
      awaitSdk();
      return;
    }
    if (firstQueryNanos == 0) {
      firstQueryNanos = System.nanoTime();
    }
    List<Instance> instances;
    RoutePlan plan;
    try {
      instances = directory.instances(target);
      if (instances == null) {
        if (published == null
            && System.nanoTime() - firstQueryNanos
                < TimeUnit.MILLISECONDS.toNanos(FIRST_ANSWER_WAIT_MILLIS)) {
          // Calls wait (bounded) for the first answer rather than fail as if there were no
          // instance.
          resolveLater(250);
          return;
        }
        String refused = PolarisRefusal.noticed();
        if (refused != null) {
          refusedFailure(refused);
          return;
        }
        handleFailure("the Polaris server has not answered");
        return;
      }
      plan = directory.routePlan(target, instances);
    } catch (RuntimeException e) {
      handleFailure(String.valueOf(e.getMessage()));
      return;
    }
    if (state.recovered()) {
      AgentLog.info("discovery of " + describe() + " from Polaris works again");
    }
    if (unwatch == null) {
      try {
        unwatch = directory.watch(target, this::resolve);
      } catch (RuntimeException e) {
        AgentLog.debug("cannot watch " + describe() + " (re-read every second instead): " + e);
      }
    }
    publish(instances, plan);
  }

  /**
   * The SDK is not there: while it starts, resolve again once it has (calls wait, bounded by
   * {@value PolarisSdk#STARTUP_WAIT_MILLIS} ms); once it failed, or took too long, calls fail with
   * the reason.
   */
  private void awaitSdk() {
    if (client.sdkStarting()
        && System.nanoTime() - startNanos
            < TimeUnit.MILLISECONDS.toNanos(PolarisSdk.STARTUP_WAIT_MILLIS)) {
      if (!waitingForSdk) {
        waitingForSdk = true;
        client.whenSdkSettled(this::resolve);
        resolveLater(PolarisSdk.STARTUP_WAIT_MILLIS);
      }
      return;
    }
    publishError("Polaris is unavailable for " + describe() + ": " + client.unavailableReason());
  }

  /**
   * Polaris refused this application's credentials: one ERROR per JVM, and calls fail saying so.
   */
  private void refusedFailure(String refused) {
    String reason =
        "Polaris refused this application's requests ("
            + refused
            + "); check "
            + AgentConfig.TOKEN.name();
    if (state.failed() && REFUSAL_LOGGED.compareAndSet(false, true)) {
      AgentLog.error("cannot discover " + describe() + ": " + reason);
    }
    if (published == null) {
      publishError("cannot discover " + describe() + ": " + reason);
    }
  }

  private void handleFailure(String reason) {
    if (state.failed()) {
      AgentLog.warn(
          "cannot discover "
              + describe()
              + " from Polaris: "
              + reason
              + (published != null ? "; its last known instances keep serving" : ""));
    }
    if (published == null) {
      publishError("cannot discover " + describe() + " from Polaris: " + reason);
    }
  }

  private void publish(List<Instance> instances, RoutePlan plan) {
    List<String> identity = new ArrayList<>(instances.size() + 1);
    identity.add(plan.identity());
    for (Instance instance : instances) {
      identity.add(
          instance.getId()
              + '@'
              + instance.getHost()
              + ':'
              + instance.getPort()
              + '/'
              + instance.getWeight()
              + '/'
              + instance.getRevision());
    }
    if (identity.equals(published)) {
      return; // nothing changed: no address is built (a host name would mean a DNS lookup)
    }
    published = identity;
    List<EquivalentAddressGroup> groups = new ArrayList<>(instances.size());
    for (Instance instance : instances) {
      groups.add(
          new EquivalentAddressGroup(
              new InetSocketAddress(instance.getHost(), instance.getPort()),
              PolarisAttributes.ofInstance(instance)));
    }
    final ResolutionResult result =
        ResolutionResult.newBuilder()
            .setAddresses(groups)
            .setAttributes(PolarisAttributes.ofResult(target, plan))
            .build();
    AgentLog.debug(
        describe()
            + " resolved to "
            + instances.size()
            + " instance(s), routing "
            + plan.identity());
    syncContext.execute(
        () -> {
          if (!shutdown) {
            listener.onResult(result);
          }
        });
  }

  private void publishError(String message) {
    final Status error = Status.UNAVAILABLE.withDescription(message);
    syncContext.execute(
        () -> {
          if (!shutdown) {
            listener.onError(error);
          }
        });
  }

  private String describe() {
    return "service " + target.service() + " in namespace " + target.namespace();
  }
}
