package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.testing.FreePorts;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * Unmodified providers with the agent register every business server with its real bound port, and
 * nothing else: not the admin-only server next to them, not a port outside {@code
 * polaris.grpc.server.ports}. Each test uses its own namespace, so instances of other tests never
 * interfere.
 */
class ProviderRegistrationTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration START = AgentProviders.START;
  private static final Duration VISIBLE = Duration.ofSeconds(30);
  private static final Duration EXIT = Duration.ofSeconds(30);

  private static ForkedApp.Builder provider(String name, String namespace) {
    return AgentProviders.provider(POLARIS, name, namespace);
  }

  @Test
  void aProviderAppearsHealthyWithItsRealPortProtocolVersionMetadataAndLocation() {
    String namespace = "provider-basic";
    try (ForkedApp app =
        provider("provider-basic", namespace)
            .property("polaris.instance.version", "1.2.3")
            .property("polaris.metadata", "team=core")
            .property("polaris.metadata.env", "e2e")
            .property("polaris.location.region", "south")
            .property("polaris.location.zone", "sz")
            .property("polaris.location.campus", "nanshan")
            .args("--name=p1", "--port=0")
            .start()) {
      int port = AgentProviders.awaitListening(app);
      // LISTENING is printed right after start() returned.
      long started = System.nanoTime();
      Instance instance =
          Poll.until(
                  VISIBLE,
                  Duration.ofMillis(20),
                  () -> AgentProviders.echoInstances(POLARIS, namespace),
                  list -> !list.isEmpty(),
                  "echo.Echo registered in " + namespace)
              .get(0);
      long visibleMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
      Matcher agentLine =
          app.awaitStderrLine(
              "\\[polaris-agent\\] INFO registered gRPC server on port "
                  + port
                  + " in Polaris as \\[.*\\], (\\d+) ms after start.*",
              VISIBLE);
      System.out.println(
          "[provider] start() -> registered (agent): "
              + agentLine.group(1)
              + " ms; start() -> visible in the OpenAPI list: <= "
              + visibleMillis
              + " ms");

      assertEquals("127.0.0.1", instance.host(), app.describe());
      assertEquals(port, instance.port());
      assertTrue(instance.healthy(), instance.toString());
      assertEquals("grpc", instance.protocol());
      assertEquals("1.2.3", instance.version());
      assertEquals(100, instance.weight());
      assertEquals("core", instance.metadata().get("team"), instance.toString());
      assertEquals("e2e", instance.metadata().get("env"), instance.toString());
      JsonObject location = rawInstance("echo.Echo", namespace).getAsJsonObject("location");
      assertEquals("south", location.get("region").getAsString(), location.toString());
      assertEquals("sz", location.get("zone").getAsString(), location.toString());
      assertEquals("nanshan", location.get("campus").getAsString(), location.toString());

      app.sigterm();
      assertTrue(app.waitFor(EXIT), app.describe());
    }
  }

  @Test
  void twoServersRegisterWhileTheAdminOnlyServerNextToThemDoesNot() {
    String namespace = "provider-multi";
    try (ForkedApp app =
        provider("provider-multi", namespace)
            .args("--name=p1", "--servers=2", "--port=0", "--health-server-port=0")
            .start()) {
      Matcher ready =
          app.awaitLine(
              Pattern.compile("READY port=\\d+ ports=(\\d+),(\\d+) health-port=(\\d+) .*"),
              START,
              0);
      Set<Integer> business =
          Set.of(Integer.parseInt(ready.group(1)), Integer.parseInt(ready.group(2)));
      int admin = Integer.parseInt(ready.group(3));

      List<Instance> instances =
          Poll.until(
              VISIBLE,
              Duration.ofMillis(50),
              () -> AgentProviders.echoInstances(POLARIS, namespace),
              list -> list.size() == 2 && list.stream().allMatch(Instance::healthy),
              "both business servers registered");
      assertEquals(business, instances.stream().map(Instance::port).collect(Collectors.toSet()));
      // The verdict on the admin server is taken when it starts: its log line is the proof it stays
      // out.
      app.awaitStderrLine(
          "\\[polaris-agent\\] INFO gRPC server on port "
              + admin
              + " is not registered in Polaris: it exposes only infrastructure services .*",
          VISIBLE);
      assertEquals(List.of(), POLARIS.openApi().listInstances("grpc.health.v1.Health", namespace));
      assertEquals(2, AgentProviders.echoInstances(POLARIS, namespace).size());

      app.sigterm();
      assertTrue(app.waitFor(EXIT), app.describe());
    }
  }

  @Test
  void theConfiguredServiceNameAndPortListDecideWhatRegisters() {
    String namespace = "provider-named";
    List<Integer> ports = FreePorts.pick(2);
    try (ForkedApp app =
        provider("provider-named", namespace)
            .property("polaris.service", "echo-app")
            .property("polaris.grpc.server.ports", String.valueOf(ports.get(0)))
            .args("--name=p1", "--servers=2", "--port=" + ports.get(0) + "," + ports.get(1))
            .start()) {
      app.awaitLine(Pattern.compile("READY .*"), START, 0);

      List<Instance> instances =
          Poll.until(
              VISIBLE,
              Duration.ofMillis(50),
              () -> POLARIS.openApi().listInstances("echo-app", namespace),
              list -> !list.isEmpty(),
              "echo-app registered");
      app.awaitStderrLine(
          "\\[polaris-agent\\] INFO gRPC server on port "
              + ports.get(1)
              + " is not registered in Polaris: its port is not in polaris.grpc.server.ports",
          VISIBLE);
      assertEquals(List.of(ports.get(0)), instances.stream().map(Instance::port).toList());
      assertEquals(List.of(), AgentProviders.echoInstances(POLARIS, namespace));

      app.sigterm();
      assertTrue(app.waitFor(EXIT), app.describe());
    }
  }

  /**
   * The Polaris console lists a service's interfaces from its contract: the agent reports the
   * methods of the gRPC service it registers, not those of the health service next to it.
   */
  @Test
  void theServersMethodsAreReportedAsTheServiceContract() {
    String namespace = "provider-contract";
    try (ForkedApp app =
        provider("provider-contract", namespace)
            .property("polaris.instance.version", "2.0.0")
            .args("--name=p1", "--port=0")
            .start()) {
      AgentProviders.awaitListening(app);
      JsonObject contract =
          Poll.until(
                  VISIBLE,
                  Duration.ofMillis(100),
                  () -> contracts("echo.Echo", namespace),
                  list -> !list.isEmpty(),
                  "the contract of echo.Echo in " + namespace)
              .get(0);
      assertEquals("echo.Echo", contract.get("name").getAsString(), contract.toString());
      assertEquals("grpc", contract.get("protocol").getAsString(), contract.toString());
      assertEquals("2.0.0", contract.get("version").getAsString(), contract.toString());
      Set<String> interfaces = new TreeSet<>();
      for (JsonElement each : contract.getAsJsonArray("interfaces")) {
        JsonObject descriptor = each.getAsJsonObject();
        interfaces.add(
            descriptor.get("method").getAsString() + " " + descriptor.get("path").getAsString());
      }
      assertEquals(
          Set.of(
              "Echo /echo.Echo/Echo", "EchoStream /echo.Echo/EchoStream", "Other /echo.Echo/Other"),
          interfaces,
          contract.toString());

      app.sigterm();
      assertTrue(app.waitFor(EXIT), app.describe());
    }
  }

  private static List<JsonObject> contracts(String service, String namespace) {
    JsonObject body =
        POLARIS
            .openApi()
            .get("/naming/v1/service/contracts?namespace=" + namespace + "&service=" + service);
    List<JsonObject> contracts = new ArrayList<>();
    if (body.has("data")) {
      for (JsonElement each : body.getAsJsonArray("data")) {
        contracts.add(each.getAsJsonObject());
      }
    }
    return contracts;
  }

  private static JsonObject rawInstance(String service, String namespace) {
    JsonObject body =
        POLARIS
            .openApi()
            .get(
                "/naming/v1/instances?service="
                    + service
                    + "&namespace="
                    + namespace
                    + "&offset=0&limit=10");
    return body.getAsJsonArray("instances").get(0).getAsJsonObject();
  }
}
