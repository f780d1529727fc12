package org.polarisagent.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.core.ProviderAPI;
import com.tencent.polaris.api.rpc.InstanceRegisterRequest;
import com.tencent.polaris.api.rpc.InstanceRegisterResponse;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.api.DiscoveryAPIFactory;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * Proves the Polaris harness against the real server: the extension starts it, the OpenAPI client
 * reads it, and the server's heartbeat health check behaves as the agent's tests will rely on.
 */
class PolarisServerTest {

  private static final String NAMESPACE = "default";
  private static final int TTL_SECONDS = 2;

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  @BeforeAll
  static void useTargetForSdkFiles() {
    // The SDK writes its logs under polaris.log.home (default: the working directory).
    System.setProperty(
        "polaris.log.home",
        Paths.get(System.getProperty("it.output.dir", "target"), "polaris-sdk-logs").toString());
  }

  @Test
  void newServiceHasNoInstances() {
    PolarisOpenApi api = POLARIS.openApi();
    assertEquals(List.of(), api.listInstances("never-created", NAMESPACE), "unknown service");

    api.createNamespace("harness-ns");
    api.createNamespace("harness-ns"); // exists: accepted
    api.createService("harness-empty", "harness-ns");
    api.createService("harness-empty", "harness-ns");

    assertEquals(List.of(), api.listInstances("harness-empty", "harness-ns"));
  }

  @Test
  void instanceTurnsUnhealthyWhenItsHeartbeatsStop() throws Exception {
    PolarisOpenApi api = POLARIS.openApi();
    String service = "harness-heartbeat";
    int port = FreePorts.pick();
    SDKContext context = SDKContext.initContextByConfig(sdkConfig(POLARIS.grpcAddress()));
    ProviderAPI provider = DiscoveryAPIFactory.createProviderAPIByContext(context);
    long beforeRegister = System.nanoTime();
    InstanceRegisterResponse registered;
    try {
      InstanceRegisterRequest request = new InstanceRegisterRequest();
      request.setNamespace(NAMESPACE);
      request.setService(service);
      request.setHost("127.0.0.1");
      request.setPort(port);
      request.setProtocol("grpc");
      request.setTtl(TTL_SECONDS);
      registered = provider.registerInstance(request); // heartbeats every TTL from now on

      Instance healthy =
          Poll.until(
                  Duration.ofSeconds(10),
                  Duration.ofMillis(200),
                  () -> find(api, service, port),
                  i -> i.isPresent() && i.get().healthy(),
                  "instance 127.0.0.1:" + port + " listed healthy")
              .get();
      System.out.println(
          "[harness] registered "
              + healthy
              + " listed after "
              + Duration.ofNanos(System.nanoTime() - beforeRegister).toMillis()
              + " ms");
      assertEquals(registered.getInstanceId(), healthy.id());
      assertEquals("grpc", healthy.protocol());

      // Heartbeats keep it healthy well past 3 x TTL.
      Poll.holds(
          Duration.ofSeconds(3 * TTL_SECONDS + 2),
          Duration.ofMillis(500),
          () -> find(api, service, port),
          i -> i.isPresent() && i.get().healthy(),
          "heartbeating instance stays healthy");
    } finally {
      // Stops the heartbeats; destroying the SDK does not deregister.
      provider.destroy();
      context.destroy();
    }

    long heartbeatsStopped = System.nanoTime();
    Instance unhealthy =
        Poll.until(
                Duration.ofSeconds(3 * TTL_SECONDS + 6),
                Duration.ofMillis(200),
                () -> find(api, service, port),
                i -> i.isPresent() && !i.get().healthy(),
                "instance 127.0.0.1:" + port + " listed unhealthy after its heartbeats stopped")
            .get();
    long detectedMillis = Duration.ofNanos(System.nanoTime() - heartbeatsStopped).toMillis();
    System.out.println(
        "[harness] unhealthy "
            + detectedMillis
            + " ms after heartbeats stopped (TTL "
            + TTL_SECONDS
            + " s); server start took "
            + POLARIS.lastStartDuration().toMillis()
            + " ms");
    assertEquals(registered.getInstanceId(), unhealthy.id(), "still registered, only unhealthy");
    assertFalse(unhealthy.isolate());
    assertTrue(
        detectedMillis >= (TTL_SECONDS - 1) * 1000L,
        "unhealthy suspiciously early (" + detectedMillis + " ms): were heartbeats running?");
  }

  private static Optional<Instance> find(PolarisOpenApi api, String service, int port) {
    return api.listInstances(service, NAMESPACE).stream().filter(i -> i.port() == port).findFirst();
  }

  /**
   * An SDK configuration for a test client: this server only, no stat reporter port, no cache
   * files.
   */
  static ConfigurationImpl sdkConfig(String grpcAddress) {
    ConfigurationImpl config = new ConfigurationImpl();
    config.setDefault();
    config.getGlobal().getServerConnector().setAddresses(List.of(grpcAddress));
    config.getGlobal().getStatReporter().setEnable(false);
    config.getConsumer().getLocalCache().setPersistEnable(false);
    return config;
  }
}
