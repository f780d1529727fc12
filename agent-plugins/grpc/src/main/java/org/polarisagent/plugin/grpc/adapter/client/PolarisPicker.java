package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.balance.ConsistentTable;
import org.polarisagent.plugin.grpc.balance.Selector;
import org.polarisagent.plugin.grpc.balance.WarmUp;

/** The pickers a Polaris balancer publishes. Immutable; used by many threads at once. */
abstract class PolarisPicker extends SubchannelPicker {

  private PolarisPicker() {}

  /**
   * Chooses among READY instances with the configured policy. Everything that does not depend on
   * the call is prepared when the picker is built; without routing rules, a pick allocates nothing
   * once each method has been seen. With routing rules, each distinct set of instances the rules
   * allow gets its own selector of the same policy, built once per picker, so round robin stays
   * round robin and hash policies keep a key on its instance while that instance stays in the set;
   * and the result of routing a call serves, for up to {@link #ROUTE_REUSE_NANOS}, the calls the
   * rules cannot tell apart from it ({@link RoutePlan#callKey}). Instances that are warming up
   * ({@code polaris.loadbalancer.warmup}) get the part of their weight they have at the picker's
   * creation; the balancer builds a new picker every {@link WarmUp#STEP_MILLIS} ms while {@link
   * #warming()}.
   */
  static final class Balancing extends PolarisPicker {
    /** Most routed sets whose selector is kept per picker; beyond, selectors are built per call. */
    static final int MAX_ROUTED_SETS = 256;

    /**
     * How long one routing result serves the calls with its key. Bounded because what the SDK's
     * router sees can change without a new picker (a breaker's sleep window ends, another channel
     * of the application opens an instance's breaker); a changed instance list makes a new picker
     * at once, a changed rule once the resolver sees it (it reads the SDK once a second).
     */
    static final long ROUTE_REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Most call keys whose routing result is kept per picker; when full, expired results make room,
     * and a call whose key finds none is routed on its own.
     */
    static final int MAX_CALL_KEYS = 256;

    private final Entry[] entries;
    private final Selector selector;
    private final Metadata.Key<String> hashHeader;
    private final OutcomeReporter reporter;
    private final PolarisTarget target;
    private final RoutePlan plan;
    private final ClientSide client;
    private final boolean metered;
    private final boolean warming;
    private final Map<String, Integer> indexById = new HashMap<>();
    private final ConcurrentMap<BitSet, Candidates> routedSets = new ConcurrentHashMap<>();
    private final ConcurrentMap<Object, Routed> routedByKey = new ConcurrentHashMap<>();
    private final Candidates everyInstance;

    Balancing(
        List<Endpoint> ready,
        ClientSide client,
        OutcomeReporter reporter,
        PolarisTarget target,
        RoutePlan plan,
        ConsistentTable table) {
      this.reporter = reporter;
      this.target = target;
      this.plan = plan;
      this.client = client;
      this.metered = reporter.metered();
      List<Endpoint> weighted = withWeight(ready);
      entries = new Entry[weighted.size()];
      WarmUp warmUp = client.settings().warmUp();
      long now = System.currentTimeMillis();
      boolean anyWarming = false;
      for (int i = 0; i < entries.length; i++) {
        Endpoint endpoint = weighted.get(i);
        double factor = warmUpFactor(warmUp, endpoint.instance, now);
        anyWarming |= factor < 1;
        entries[i] = new Entry(endpoint.subchannel, endpoint.instance, endpoint.hashId, factor);
        if (plan.isPerCall() && endpoint.instance != null) {
          indexById.put(endpoint.instance.getId(), i); // to map routing results to entries
        }
      }
      warming = anyWarming;
      selector = selector(client.settings().loadBalancer(), entries, table);
      everyInstance = new Candidates(entries, selector);
      hashHeader = client.settings().hashHeader();
    }

    /**
     * The instances that may get calls: weight 0 means none in Polaris, whatever the policy; if
     * every instance has weight 0, all of them rather than none.
     */
    private static List<Endpoint> withWeight(List<Endpoint> ready) {
      List<Endpoint> weighted = new ArrayList<>(ready.size());
      for (Endpoint endpoint : ready) {
        if (endpoint.instance == null || endpoint.instance.getWeight() > 0) {
          weighted.add(endpoint);
        }
      }
      return weighted.isEmpty() ? ready : weighted;
    }

    /** A creation time this far ahead of the local clock is a time zone apart, not clock skew. */

    /** Whether the WARN about creation times in the future has been written (once per loader). */
    private static final AtomicBoolean futureCreationTimeSaid = new AtomicBoolean();

    /**
     * The part of its weight an instance gets now. Polaris v1.18 writes creation times to the
     * second in its own time zone, and the SDK reads them in this JVM's: one far in the future
     * (then the instance counts as warm) is said once.
     */
    private static double warmUpFactor(WarmUp warmUp, Instance instance, long now) {
      if (!warmUp.isOn() || instance == null) {
        return 1;
      }
      Long created = instance.getCreateTime();
      if (created != null
          && created - now > WarmUp.CLOCK_SKEW_MILLIS
          && futureCreationTimeSaid.compareAndSet(false, true)) {
        AgentLog.warn(
            AgentConfig.LOAD_BALANCER_WARMUP.name()
                + ": instance "
                + Endpoint.address(instance)
                + " of service "
                + instance.getService()
                + " was created "
                + Math.round((created - now) / 60_000.0)
                + " min in the future by this JVM's clock (time zone "
                + TimeZone.getDefault().getID()
                + "): the Polaris server writes creation times in its own time zone and the SDK"
                + " reads them in this JVM's; give both the same time zone for warm-up to work."
                + " Such instances count as warm");
      }
      return warmUp.factor(created, now);
    }

    /** Whether some instance of this picker gets less than its full weight. */
    boolean warming() {
      return warming;
    }

    /**
     * The policy's selector over these entries: for a hash policy, a walk over the balancer's table
     * of every instance when it suits them, so that a picker built because a connection came or
     * went builds no table.
     */
    private static Selector selector(String policy, Entry[] entries, ConsistentTable table) {
      int[] weights = new int[entries.length];
      double[] warmUp = new double[entries.length];
      String[] ids = new String[entries.length];
      for (int i = 0; i < entries.length; i++) {
        Instance instance = entries[i].instance;
        weights[i] = instance == null ? 100 : instance.getWeight();
        warmUp[i] = entries[i].warmUp;
        ids[i] = entries[i].hashId;
      }
      Selector walk = table == null ? null : table.over(ids);
      return walk != null ? walk : Selector.of(policy, weights, warmUp, ids);
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      String hashKey = hashHeader == null ? null : args.getHeaders().get(hashHeader);
      String method = args.getMethodDescriptor().getFullMethodName();
      if (plan.checksBreakers()) {
        PickResult rejected = BreakerGuard.rejection(client, reporter, target, plan, method);
        if (rejected != null) {
          if (metered) {
            reporter.failedBeforeInstance(target, method, rejected.getStatus());
          }
          return rejected;
        }
      }
      Entry entry;
      if (plan.isPerCall()) {
        entry = routedEntry(args, method, hashKey);
        if (entry == null) {
          PickResult unrouted =
              PickResult.withError(
                  Status.UNAVAILABLE.withDescription(
                      "no reachable instance of service "
                          + target.service()
                          + " in namespace "
                          + target.namespace()
                          + " matches the routing rules for "
                          + method));
          if (metered && !args.getCallOptions().isWaitForReady()) {
            reporter.failedBeforeInstance(target, method, unrouted.getStatus());
          }
          return unrouted;
        }
      } else {
        entry = entries[selector.select(hashKey)];
      }
      return pickResult(entry, method);
    }

    /**
     * Routes one call through the SDK's rules, or reuses the result of a call with the same key;
     * null if no READY instance is left.
     */
    private Entry routedEntry(PickSubchannelArgs args, String method, String hashKey) {
      Object key = plan.callKey(method, args.getHeaders());
      long now = 0;
      if (key != null) {
        now = System.nanoTime();
        Routed reused = routedByKey.get(key);
        if (reused != null && now - reused.routedAt < ROUTE_REUSE_NANOS) {
          return reused.select(hashKey);
        }
      }
      List<Instance> routed;
      try {
        routed = plan.route(method, args.getHeaders());
      } catch (RuntimeException e) {
        client.routingFailed(e);
        return entries[selector.select(hashKey)];
      }
      Routed result = new Routed(candidates(routed), now);
      if (key != null) {
        if (routedByKey.size() >= MAX_CALL_KEYS) {
          long at = now;
          routedByKey.values().removeIf(kept -> at - kept.routedAt >= ROUTE_REUSE_NANOS);
        }
        if (routedByKey.size() < MAX_CALL_KEYS) {
          routedByKey.put(key, result);
        }
      }
      return result.select(hashKey);
    }

    /** The READY instances among those routed, with their selector; null if there are none. */
    private Candidates candidates(List<Instance> routed) {
      BitSet members = new BitSet(entries.length);
      for (Instance instance : routed) {
        Integer index = indexById.get(instance.getId());
        if (index != null) {
          members.set(index);
        }
      }
      int size = members.cardinality();
      if (size == 0) {
        return null;
      }
      if (size == entries.length) {
        return everyInstance;
      }
      Candidates candidates = routedSets.get(members);
      if (candidates == null) {
        candidates = new Candidates(members, entries, client.settings().loadBalancer());
        if (routedSets.size() < MAX_ROUTED_SETS) {
          Candidates raced = routedSets.putIfAbsent(members, candidates);
          candidates = raced == null ? candidates : raced;
        }
      }
      return candidates;
    }

    /** The READY instances one routing result allows, and a selector of the policy over them. */
    private static final class Candidates {
      final Entry[] entries;
      final Selector selector;

      Candidates(BitSet members, Entry[] all, String policy) {
        entries = new Entry[members.cardinality()];
        int k = 0;
        for (int i = members.nextSetBit(0); i >= 0; i = members.nextSetBit(i + 1)) {
          entries[k++] = all[i];
        }
        selector = selector(policy, entries, null);
      }

      Candidates(Entry[] entries, Selector selector) {
        this.entries = entries;
        this.selector = selector;
      }
    }

    /** A routing result and when it was made ({@link System#nanoTime()}). */
    private static final class Routed {
      final Candidates candidates;
      final long routedAt;

      Routed(Candidates candidates, long routedAt) {
        this.candidates = candidates;
        this.routedAt = routedAt;
      }

      Entry select(String hashKey) {
        return candidates == null ? null : candidates.entries[candidates.selector.select(hashKey)];
      }
    }

    private PickResult pickResult(Entry entry, String method) {
      PickResult result = entry.results.get(method);
      if (result == null) {
        result =
            PickResult.withSubchannel(
                entry.subchannel,
                reporter.tracerFactory(
                    target,
                    entry.instance,
                    method,
                    plan.checksMethodBreakers(),
                    plan.checksServiceBreaker()));
        PickResult raced = entry.results.putIfAbsent(method, result);
        if (raced != null) {
          result = raced;
        }
      }
      return result;
    }

    private static final class Entry {
      final Subchannel subchannel;
      final Instance instance;

      /** What hash policies know the instance by ({@link Endpoint#hashId}). */
      final String hashId;

      /** The part of its weight the instance gets ({@link WarmUp#factor}). */
      final double warmUp;

      final ConcurrentMap<String, PickResult> results = new ConcurrentHashMap<>();

      Entry(Subchannel subchannel, Instance instance, String hashId, double warmUp) {
        this.subchannel = subchannel;
        this.instance = instance;
        this.hashId = hashId;
        this.warmUp = warmUp;
      }
    }
  }

  /**
   * Fails every call at once (wait-for-ready calls keep waiting, as gRPC defines), counting the
   * failures when metrics are on.
   */
  static final class Failing extends PolarisPicker {
    private final PickResult result;
    private final OutcomeReporter counting;
    private final PolarisTarget target;

    /**
     * @param reporter counts the failures if it is {@link OutcomeReporter#metered()}
     * @param target the destination, null if not known yet (then nothing is counted)
     */
    Failing(Status status, OutcomeReporter reporter, PolarisTarget target) {
      result = PickResult.withError(status);
      this.counting = target != null && reporter.metered() ? reporter : null;
      this.target = target;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      if (counting != null && !args.getCallOptions().isWaitForReady()) {
        counting.failedBeforeInstance(
            target, args.getMethodDescriptor().getFullMethodName(), result.getStatus());
      }
      return result;
    }
  }

  /** Holds calls while the first connections are being made. */
  static final class Buffering extends PolarisPicker {
    static final Buffering INSTANCE = new Buffering();

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      return PickResult.withNoResult();
    }
  }
}
