package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.polarisagent.plugin.grpc.TestAgentContext;

class ServerSideTest {

  /** Declares {@code build()} like every gRPC server builder does. */
  static final class PlainBuilder {
    public Server build() {
      return null;
    }
  }

  /** Declares a specific server type: the wrapper cannot be returned from it. */
  static final class SpecificBuilder {
    public RecordingServer build() {
      return null;
    }
  }

  private static ServerSide support(String agentArgs) {
    return new ServerSide(TestAgentContext.withoutSdk(agentArgs));
  }

  private final RecordingServer server =
      new RecordingServer(new ArrayList<String>(), 50051, "echo.Echo");

  @Test
  void networkServersAreWrapped() {
    Object observed = support("").observe(new PlainBuilder(), server);

    assertTrue(observed instanceof PolarisServer);
    assertSame(server, ((PolarisServer) observed).delegate());
  }

  @Test
  void otherServersAreLeftAlone() {
    ServerSide support = support("");
    Object wrapped = support.observe(new PlainBuilder(), server);

    assertSame(
        server, support("polaris.grpc.server.register=false").observe(new PlainBuilder(), server));
    assertSame(server, support.observe(InProcessServerBuilder.forName("test"), server));
    assertSame(server, support.observe(new SpecificBuilder(), server));
    assertSame(wrapped, support.observe(new PlainBuilder(), wrapped), "never wrapped twice");
  }

  @Test
  void theDeclaredReturnTypeOfBuildDecides() {
    assertTrue(ServerSide.buildReturns(PlainBuilder.class, PolarisServer.class));
    assertTrue(ServerSide.buildReturns(InProcessServerBuilder.class, PolarisServer.class));
    assertFalse(ServerSide.buildReturns(SpecificBuilder.class, PolarisServer.class));
    assertFalse(ServerSide.buildReturns(Object.class, PolarisServer.class));
  }
}
