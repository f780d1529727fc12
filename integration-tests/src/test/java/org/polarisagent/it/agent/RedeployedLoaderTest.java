package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.RedeployApp;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * A web app that brings its own gRPC in its own class loader, registered in Polaris by the agent,
 * leaves no trace once undeployed: its class loader is garbage-collected, as it is without the
 * agent.
 */
class RedeployedLoaderTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = Duration.ofSeconds(60);

  @Test
  void withoutTheAgentTheUndeployedLoaderIsCollected() {
    try (ForkedApp app = ForkedApp.main(RedeployApp.class).name("redeploy-plain").start()) {
      app.awaitLine("SERVING port=\\d+", START);
      app.closeStdin();
      assertCollected(app);
    }
  }

  @Test
  void aLoaderWhoseServerWasRegisteredIsCollectedOnceUndeployed() {
    String namespace = "redeploy";
    try (ForkedApp app = withAgent("redeploy-agent", namespace).start()) {
      awaitServingAndRegistered(app, namespace);
      app.closeStdin();
      assertCollected(app);
      List<Instance> left = POLARIS.openApi().listInstances("echo.Echo", namespace);
      assertTrue(left.isEmpty(), "the undeployed server is still registered: " + left);
    }
  }

  @Test
  void aLoaderThatCalledThroughAPolarisChannelIsCollectedOnceUndeployed() {
    String namespace = "redeploy-client";
    try (ForkedApp app =
        withAgent("redeploy-polaris-channel", namespace)
            .jvmArgs("-Dredeploy.target=polaris://echo.Echo")
            .start()) {
      awaitServingAndRegistered(app, namespace);
      app.closeStdin();
      app.awaitLine("REPLY webapp:bye", START);
      assertCollected(app);
    }
  }

  /**
   * Once the app server's own gRPC (the system class loader's) is in use, the SDK talks to Polaris
   * over it, and the web app's registration makes the SDK's first channel on a thread that runs the
   * web app's adapters: nothing of that channel may keep the web app's loader.
   */
  @Test
  void aLoaderIsCollectedWhenTheSdkConnectsOverTheAppServersGrpc() {
    String namespace = "redeploy-host";
    try (ForkedApp app =
        withAgent("redeploy-host-grpc", namespace)
            .property("polaris.log.level", "debug")
            .jvmArgs("-Dredeploy.host-server=true")
            .start()) {
      awaitServingAndRegistered(app, namespace);
      app.awaitStderrLine(".*the Polaris SDK connects over the application's gRPC", START);
      app.closeStdin();
      assertCollected(app);
      assertFalse(app.stderr().contains("the SDK uses its own"), app.stderr());
    }
  }

  /** The web app with the agent, registering in {@code namespace}. */
  private static ForkedApp.Builder withAgent(String name, String namespace) {
    return POLARIS
        .agentApp(RedeployApp.class, name)
        .property("polaris.namespace", namespace)
        .property("polaris.grpc.server.shutdown-delay", "1s");
  }

  private static void awaitServingAndRegistered(ForkedApp app, String namespace) {
    app.awaitLine("SERVING port=\\d+", START);
    Poll.until(
        START,
        Duration.ofMillis(100),
        () -> POLARIS.openApi().listInstances("echo.Echo", namespace),
        list -> list.size() == 1 && list.get(0).healthy(),
        "the web app's server registered");
  }

  private static void assertCollected(ForkedApp app) {
    String line =
        app.awaitLine(
            l -> l.startsWith("COLLECTED ") || l.startsWith("LEAKED "),
            Duration.ofSeconds(120),
            "COLLECTED or LEAKED");
    System.out.println("[redeploy] " + app.name() + ": " + line);
    assertTrue(line.startsWith("COLLECTED "), line + "; " + app.describe());
    assertTrue(app.waitFor(Duration.ofSeconds(30)), app.describe());
  }
}
