package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.DefaultInstance;
import com.tencent.polaris.api.pojo.DefaultServiceInstances;
import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.ServiceKey;
import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.LoadBalancerRegistry;
import io.grpc.Metadata;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.ShutdownSequence;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.samples.EchoService;

/**
 * The cost of one pick of the Polaris balancer's picker ({@link PolarisPicker.Balancing}) over
 * three READY instances when no routing rule applies ({@link RoutePlan#ALL}) and when one that
 * reads a header does, next to gRPC's own {@code round_robin} picker over three READY subchannels,
 * built through the public {@link LoadBalancerRegistry}; and, with {@code
 * polaris.loadbalancer.warmup}, a pick while one of the three instances warms up and the rebuild of
 * the picker its balancer does once a second meanwhile. Run with {@code -prof gc} to see the bytes
 * allocated per pick. Lives in the picker's package (split across jars on the class path) because
 * the picker is package-private. A benchmark, not a test: it asserts nothing.
 *
 * <p>{@code java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt)
 * org.openjdk.jmh.Main PickerBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PickerBenchmark {

  /**
   * One pick of the agent's picker: Polaris balancer, no rule, circuit breaking on (the defaults).
   */
  @Benchmark
  public PickResult polarisPicker(PolarisState state) {
    return state.picker.pickSubchannel(state.args);
  }

  /**
   * One pick while one of the three instances warms up (created 5 s ago, window 30 s): weighted
   * random over scaled weights, round robin over its shared schedule.
   */
  @Benchmark
  public PickResult polarisPickerWarmingUp(WarmingState state) {
    return state.picker.pickSubchannel(state.args);
  }

  /**
   * What the balancer does once a second while an instance warms up: build the picker of the next
   * step.
   */
  @Benchmark
  public SubchannelPicker polarisPickerRebuildWarmingUp(WarmingState state) {
    return state.rebuild();
  }

  /**
   * One pick with a routing rule that reads one request header, the call carrying it: the result of
   * routing an earlier call with the same value serves (the SDK's router is not run; a stand-in
   * router that allows two of the three instances is, once a second).
   */
  @Benchmark
  public PickResult polarisPickerRoutedByHeader(RoutedState state) {
    return state.picker.pickSubchannel(state.args);
  }

  /** One pick of plain gRPC's {@code round_robin} picker: the baseline. */
  @Benchmark
  public PickResult grpcRoundRobinPicker(GrpcState state) {
    return state.picker.pickSubchannel(state.args);
  }

  /**
   * The agent's picker over three READY instances, as its balancer builds it when no rule applies.
   */
  @State(Scope.Benchmark)
  public static class PolarisState {
    /** The agent's selection policy ({@code polaris.loadbalancer}). */
    @Param({"weighted_random", "round_robin"})
    public String policy;

    SubchannelPicker picker;
    final PickSubchannelArgs args = new PickArgs(EchoService.ECHO, new Metadata());

    @Setup(Level.Trial)
    public void setUp() {
      picker = new ThreeInstances(policy, "0", 0).picker();
    }
  }

  /**
   * The agent's picker over three READY instances with a per-call plan whose rules read {@code
   * x-env}; calls carry {@code x-env: gray}.
   */
  @State(Scope.Benchmark)
  public static class RoutedState {
    /** The agent's selection policy ({@code polaris.loadbalancer}). */
    @Param({"weighted_random", "round_robin"})
    public String policy;

    SubchannelPicker picker;
    PickSubchannelArgs args;

    @Setup(Level.Trial)
    public void setUp() {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("x-env", Metadata.ASCII_STRING_MARSHALLER), "gray");
      args = new PickArgs(EchoService.ECHO, headers);
      ThreeInstances three = new ThreeInstances(policy, "0", 0);
      picker = three.picker(routedToFirstTwo(three.instances()));
    }

    private static RoutePlan routedToFirstTwo(List<Instance> instances) {
      return RoutePlan.perCall(
          new DefaultServiceInstances(new ServiceKey("default", "echo"), instances),
          (all, method, headers) -> all.getInstances().subList(0, 2),
          new RouteRules(true, List.of("x-env"), false, "r1"));
    }
  }

  /** The agent's picker over three READY instances of which the third warms up. */
  @State(Scope.Benchmark)
  public static class WarmingState {
    /** The agent's selection policy ({@code polaris.loadbalancer}). */
    @Param({"weighted_random", "round_robin"})
    public String policy;

    SubchannelPicker picker;
    final PickSubchannelArgs args = new PickArgs(EchoService.ECHO, new Metadata());
    private ThreeInstances instances;

    @Setup(Level.Trial)
    public void setUp() {
      instances = new ThreeInstances(policy, "30s", 5_000);
      picker = instances.picker();
      if (!((PolarisPicker.Balancing) picker).warming()) {
        throw new IllegalStateException("the third instance does not warm up");
      }
    }

    SubchannelPicker rebuild() {
      return instances.picker();
    }
  }

  /**
   * Three READY instances of weight 100 and what a picker over them needs, configured with a policy
   * and a warm-up window; the third instance was created {@code thirdCreatedAgoMillis} ago, the
   * others long ago.
   */
  private static final class ThreeInstances {
    private final ClientSide client;
    private final OutcomeReporter reporter;
    private final List<Endpoint> ready = new ArrayList<>();

    ThreeInstances(String policy, String warmUp, long thirdCreatedAgoMillis) {
      Properties properties = new Properties();
      properties.setProperty(AgentConfig.LOAD_BALANCER.name(), policy);
      properties.setProperty(AgentConfig.LOAD_BALANCER_WARMUP.name(), warmUp);
      properties.setProperty(AgentConfig.ADDRESS.name(), "127.0.0.1:1");
      AgentContext context =
          new AgentContext(
              AgentConfig.load("", properties, Map.of()),
              PolarisSdk.unavailable("benchmark"),
              PickerBenchmark.class.getClassLoader(),
              new ShutdownSequence(),
              null);
      client = new ClientSide(context);
      reporter = new OutcomeReporter(client, () -> {});
      long now = System.currentTimeMillis();
      for (int i = 1; i <= 3; i++) {
        DefaultInstance instance = new DefaultInstance();
        instance.setId("instance-" + i);
        instance.setNamespace("default");
        instance.setService("echo");
        instance.setHost("127.0.0.1");
        instance.setPort(50000 + i);
        instance.setWeight(100);
        instance.setHealthy(true);
        instance.setProtocol("grpc");
        instance.setCreateTime(i == 3 ? now - thirdCreatedAgoMillis : now - 3_600_000);
        FakeSubchannel subchannel =
            new FakeSubchannel(List.of(address(i)), Attributes.EMPTY, syncContext());
        ready.add(new Endpoint(subchannel, instance, subchannel.getAddresses().getAddresses()));
      }
    }

    PolarisPicker.Balancing picker() {
      return picker(RoutePlan.ALL);
    }

    PolarisPicker.Balancing picker(RoutePlan plan) {
      return new PolarisPicker.Balancing(
          ready, client, reporter, PolarisTarget.parse("polaris://echo", "default"), plan, null);
    }

    List<Instance> instances() {
      List<Instance> instances = new ArrayList<>();
      for (Endpoint endpoint : ready) {
        instances.add(endpoint.instance);
      }
      return instances;
    }
  }

  /** gRPC's {@code round_robin} picker over three READY subchannels. */
  @State(Scope.Benchmark)
  public static class GrpcState {
    SubchannelPicker picker;
    final PickSubchannelArgs args = new PickArgs(EchoService.ECHO, new Metadata());
    private ScheduledExecutorService timers;

    @Setup(Level.Trial)
    public void setUp() {
      timers = Executors.newSingleThreadScheduledExecutor();
      picker = grpcRoundRobinPicker(timers);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      timers.shutdownNow();
    }
  }

  private static SynchronizationContext syncContext() {
    return new SynchronizationContext(
        (thread, error) -> {
          throw new IllegalStateException(error);
        });
  }

  private static EquivalentAddressGroup address(int i) {
    return new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", 50000 + i));
  }

  /**
   * Drives gRPC's registered {@code round_robin} balancer until it publishes a READY picker over
   * three subchannels.
   */
  private static SubchannelPicker grpcRoundRobinPicker(ScheduledExecutorService timers) {
    SynchronizationContext sync = syncContext();
    FakeHelper helper = new FakeHelper(sync, timers);
    LoadBalancer balancer =
        LoadBalancerRegistry.getDefaultRegistry()
            .getProvider("round_robin")
            .newLoadBalancer(helper);
    List<EquivalentAddressGroup> addresses = List.of(address(1), address(2), address(3));
    sync.execute(
        () ->
            balancer.acceptResolvedAddresses(
                LoadBalancer.ResolvedAddresses.newBuilder().setAddresses(addresses).build()));
    for (FakeSubchannel subchannel : new ArrayList<>(helper.subchannels)) {
      subchannel.set(ConnectivityState.READY);
    }
    if (helper.state != ConnectivityState.READY || helper.subchannels.size() != 3) {
      throw new IllegalStateException(
          "round_robin did not become READY over 3 subchannels: "
              + helper.state
              + ", "
              + helper.subchannels.size()
              + " subchannels");
    }
    return helper.picker;
  }
}
