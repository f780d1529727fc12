package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.DefaultInstance;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
import org.openjdk.jmh.annotations.Warmup;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.ShutdownSequence;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.samples.EchoService;

/**
 * What the agent adds to one call once its instance is picked: the stream tracer its pick result
 * carries is created and told the call ended ({@code OK}), with circuit breaking on (the outcome is
 * queued) and metrics off or on ({@code polaris.metrics.port}). The difference of the two is what
 * turning metrics on costs per call. A benchmark, not a test: it asserts nothing.
 *
 * <p>{@code java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt)
 * org.openjdk.jmh.Main CallTracerBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallTracerBenchmark {

  @Benchmark
  public ClientStreamTracer callEnds(TracerState state) {
    ClientStreamTracer tracer = state.factory.newClientStreamTracer(state.info, new Metadata());
    tracer.streamClosed(Status.OK);
    return tracer;
  }

  /** The tracer factory of calls to one instance and method, as the agent's picker hands it out. */
  @State(Scope.Benchmark)
  public static class TracerState {
    /** Whether metrics are on. */
    @Param({"off", "on"})
    public String metrics;

    ClientStreamTracer.Factory factory;
    final ClientStreamTracer.StreamInfo info =
        ClientStreamTracer.StreamInfo.newBuilder().setCallOptions(CallOptions.DEFAULT).build();

    @Setup(Level.Trial)
    public void setUp() {
      Properties properties = new Properties();
      properties.setProperty(AgentConfig.ADDRESS.name(), "127.0.0.1:1");
      AgentContext context =
          new AgentContext(
              AgentConfig.load("", properties, Map.of()),
              PolarisSdk.unavailable("benchmark"),
              CallTracerBenchmark.class.getClassLoader(),
              new ShutdownSequence(),
              "on".equals(metrics) ? new AgentMetrics(1000) : null);
      ClientSide client = new ClientSide(context);
      DefaultInstance instance = new DefaultInstance();
      instance.setId("instance-1");
      instance.setNamespace("default");
      instance.setService("echo");
      instance.setHost("127.0.0.1");
      instance.setPort(50001);
      instance.setWeight(100);
      instance.setHealthy(true);
      instance.setProtocol("grpc");
      FakeSubchannel subchannel =
          new FakeSubchannel(
              List.of(new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", 50001))),
              Attributes.EMPTY,
              new SynchronizationContext(
                  (thread, error) -> {
                    throw new IllegalStateException(error);
                  }));
      PolarisPicker.Balancing picker =
          new PolarisPicker.Balancing(
              List.of(new Endpoint(subchannel, instance, subchannel.getAddresses().getAddresses())),
              client,
              new OutcomeReporter(client, () -> {}),
              PolarisTarget.parse("polaris://echo", "default"),
              RoutePlan.ALL,
              null);
      PickSubchannelArgs args = new PickArgs(EchoService.ECHO, new Metadata());
      factory = picker.pickSubchannel(args).getStreamTracerFactory();
    }
  }
}
