package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.DefaultInstance;
import com.tencent.polaris.api.pojo.Instance;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
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

/**
 * What the Polaris balancer spends on the channel's synchronization context to apply one change of
 * a large service, per policy, with every instance READY: an instance that comes or goes (each
 * invocation adds one, the next removes it), one instance's weight changing (100, then 50, then
 * 100...), and one instance's connection failing or coming back (hash policies must not rebuild
 * their table for it). A benchmark, not a test: it asserts nothing.
 *
 * <p>{@code java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt)
 * org.openjdk.jmh.Main ChangeBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ChangeBenchmark {

  /** One instance more, or one less: the resolution the balancer applies. */
  @Benchmark
  public void instanceComesOrGoes(Service service) {
    service.apply(service.flip ? service.all : service.withOneMore);
    service.flip = !service.flip;
  }

  /** One instance's weight changes. */
  @Benchmark
  public void weightChanges(Service service) {
    service.apply(service.flip ? service.all : service.withOneReweighted);
    service.flip = !service.flip;
  }

  /** One instance's connection fails, or comes back. */
  @Benchmark
  public void connectionFlips(Service service) {
    if (service.flip) {
      service.first.set(ConnectivityState.READY);
    } else {
      service.first.fail();
    }
    service.flip = !service.flip;
  }

  /** A service of {@code instances} READY instances behind one Polaris balancer. */
  @State(Scope.Benchmark)
  public static class Service {
    @Param({"1000", "5000"})
    public int instances;

    @Param({"weighted_random", "round_robin", "ring_hash", "maglev"})
    public String policy;

    boolean flip;
    FakeSubchannel first;
    LoadBalancer.ResolvedAddresses all;
    LoadBalancer.ResolvedAddresses withOneMore;
    LoadBalancer.ResolvedAddresses withOneReweighted;
    private ScheduledExecutorService timer;
    private SynchronizationContext syncContext;
    private PolarisLoadBalancer balancer;

    @Setup(Level.Trial)
    public void setUp() {
      timer = Executors.newSingleThreadScheduledExecutor();
      syncContext =
          new SynchronizationContext(
              (thread, error) -> {
                throw new IllegalStateException(error);
              });
      FakeHelper helper = new FakeHelper(syncContext, timer);
      Properties properties = new Properties();
      properties.setProperty(AgentConfig.LOAD_BALANCER.name(), policy);
      properties.setProperty(AgentConfig.ADDRESS.name(), "127.0.0.1:1");
      properties.setProperty(AgentConfig.CIRCUIT_BREAKER_ENABLED.name(), "false");
      ClientSide client =
          new ClientSide(
              new AgentContext(
                  AgentConfig.load("", properties, Map.of()),
                  PolarisSdk.unavailable("benchmark"),
                  ChangeBenchmark.class.getClassLoader(),
                  new ShutdownSequence(),
                  null));
      balancer = new PolarisLoadBalancer(helper, client);
      List<Instance> list = new ArrayList<>();
      for (int i = 0; i < instances; i++) {
        list.add(instance(i, 100));
      }
      all = resolution(list);
      List<Instance> more = new ArrayList<>(list);
      more.add(instance(instances, 100));
      withOneMore = resolution(more);
      List<Instance> reweighted = new ArrayList<>(list);
      reweighted.set(instances / 2, instance(instances / 2, 50));
      withOneReweighted = resolution(reweighted);
      apply(all);
      for (FakeSubchannel subchannel : new ArrayList<>(helper.subchannels)) {
        subchannel.set(ConnectivityState.READY);
      }
      if (helper.state != ConnectivityState.READY) {
        throw new IllegalStateException("not READY: " + helper.state);
      }
      first = helper.subchannels.get(0);
    }

    void apply(LoadBalancer.ResolvedAddresses resolution) {
      syncContext.execute(() -> balancer.handleResolvedAddresses(resolution));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      syncContext.execute(balancer::shutdown);
      timer.shutdownNow();
    }

    private static Instance instance(int i, int weight) {
      DefaultInstance instance = new DefaultInstance();
      instance.setId("instance-" + i);
      instance.setNamespace("default");
      instance.setService("big");
      instance.setHost("10.0." + (i / 250) + "." + (i % 250));
      instance.setPort(8080);
      instance.setWeight(weight);
      instance.setHealthy(true);
      instance.setProtocol("grpc");
      return instance;
    }

    private static LoadBalancer.ResolvedAddresses resolution(List<Instance> instances) {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      for (Instance instance : instances) {
        groups.add(
            new EquivalentAddressGroup(
                new InetSocketAddress(instance.getHost(), instance.getPort()),
                PolarisAttributes.ofInstance(instance)));
      }
      return LoadBalancer.ResolvedAddresses.newBuilder()
          .setAddresses(groups)
          .setAttributes(
              PolarisAttributes.ofResult(
                  PolarisTarget.parse("polaris://big", "default"), RoutePlan.ALL))
          .build();
    }
  }
}
