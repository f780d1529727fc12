package org.polarisagent.plugin.grpc.adapter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.pojo.DefaultInstance;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Collections;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.core.plugin.AgentContext;
import org.polarisagent.core.plugin.ShutdownSequence;
import org.polarisagent.core.sdk.PolarisSdk;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.adapter.TextMethods;

/**
 * With metrics on, the pickers count what users scrape: calls on an instance by status with their
 * latency, and calls that fail before reaching one; a wait-for-ready call that keeps waiting is no
 * failed call.
 */
class CallMetricsTest {

  private static final PolarisTarget TARGET = PolarisTarget.parse("polaris://echo", "default");
  private static final MethodDescriptor<String, String> METHOD =
      TextMethods.method("echo.Echo/Echo", MethodDescriptor.MethodType.UNARY);
  private static final String SERIES =
      "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\",";

  private final AgentMetrics metrics = new AgentMetrics(100);
  private final ClientSide client = new ClientSide(context(metrics));
  private final OutcomeReporter reporter = new OutcomeReporter(client, () -> {});

  @Test
  void callsOnAnInstanceAreCountedByStatusAndTimed() {
    DefaultInstance instance = new DefaultInstance();
    instance.setId("i1");
    instance.setHost("127.0.0.1");
    instance.setPort(50001);
    instance.setWeight(100);
    FakeSubchannel subchannel =
        new FakeSubchannel(
            Collections.singletonList(
                new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", 50001))),
            Attributes.EMPTY,
            new SynchronizationContext((t, e) -> {}));
    PolarisPicker.Balancing picker =
        new PolarisPicker.Balancing(
            Collections.singletonList(
                new Endpoint(subchannel, instance, subchannel.getAddresses().getAddresses())),
            client,
            reporter,
            TARGET,
            RoutePlan.ALL,
            null);

    end(picker.pickSubchannel(new PickArgs(METHOD, new Metadata())), Status.OK);
    end(picker.pickSubchannel(new PickArgs(METHOD, new Metadata())), Status.OK);
    end(picker.pickSubchannel(new PickArgs(METHOD, new Metadata())), Status.DEADLINE_EXCEEDED);

    String text = metrics.scrape();
    assertTrue(
        text.contains(
            SERIES
                + "dest_instance=\"127.0.0.1:50001\",method=\"/echo.Echo/Echo\",code=\"OK\"} 2\n"),
        text);
    assertTrue(
        text.contains(
            SERIES
                + "dest_instance=\"127.0.0.1:50001\",method=\"/echo.Echo/Echo\","
                + "code=\"DEADLINE_EXCEEDED\"} 1\n"),
        text);
    assertTrue(
        text.contains(
            "polaris_agent_call_duration_seconds_count{dest_namespace=\"default\",dest_service=\"echo\","
                + "method=\"/echo.Echo/Echo\"} 3\n"),
        text);
  }

  @Test
  void callsFailedByTheBalancerCountWithoutInstanceButWaitingCallsDoNot() {
    PolarisPicker.Failing picker =
        new PolarisPicker.Failing(
            Status.UNAVAILABLE.withDescription("no instance"), reporter, TARGET);

    picker.pickSubchannel(new PickArgs(METHOD, new Metadata()));
    picker.pickSubchannel(
        new PickArgs(METHOD, new Metadata(), CallOptions.DEFAULT.withWaitForReady()));

    String text = metrics.scrape();
    assertTrue(
        text.contains(
            SERIES + "dest_instance=\"\",method=\"/echo.Echo/Echo\",code=\"UNAVAILABLE\"} 1\n"),
        text);
    assertEquals(
        1, Arrays.stream(text.split("\n")).filter(l -> l.startsWith(SERIES)).count(), text);
  }

  private static void end(PickResult result, Status status) {
    ClientStreamTracer tracer =
        result
            .getStreamTracerFactory()
            .newClientStreamTracer(
                ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata());
    tracer.streamClosed(status);
  }

  private static AgentContext context(AgentMetrics metrics) {
    Properties properties = new Properties();
    properties.setProperty(AgentConfig.ADDRESS.name(), "127.0.0.1:1");
    return new AgentContext(
        AgentConfig.load(null, properties, Collections.<String, String>emptyMap()),
        PolarisSdk.unavailable("test"),
        CallMetricsTest.class.getClassLoader(),
        new ShutdownSequence(),
        metrics);
  }
}
