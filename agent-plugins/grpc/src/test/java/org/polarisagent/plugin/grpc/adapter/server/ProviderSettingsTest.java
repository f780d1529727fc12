package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.config.AgentConfig;

class ProviderSettingsTest {

  private static ProviderSettings settings(
      String agentArgs, Properties properties, Map<String, String> env) {
    return ProviderSettings.from(AgentConfig.load(agentArgs, properties, env), env);
  }

  @Test
  void defaultsRegisterEveryPortAndDrainSixSeconds() {
    ProviderSettings settings =
        settings("", new Properties(), Collections.<String, String>emptyMap());

    assertTrue(settings.register);
    assertTrue(settings.ports.isEmpty());
    assertEquals(0, settings.warmupMillis);
    assertEquals(6000, settings.shutdownDelayMillis);
    assertEquals("default", settings.namespace);
    assertEquals(5, settings.ttlSeconds);
    assertEquals(100, settings.weight);
    assertEquals("127.0.0.1:8091", settings.polarisAddress);
  }

  @Test
  void metadataComesFromTheMapAndFromSingleEntries() {
    Properties properties = new Properties();
    properties.setProperty("polaris.metadata.env", "prod");
    properties.setProperty("polaris.metadata", "team=core,env=test");

    ProviderSettings settings = settings("", properties, Collections.<String, String>emptyMap());

    Map<String, String> expected = new HashMap<>();
    expected.put("team", "core");
    expected.put("env", "prod");
    assertEquals(expected, settings.metadata);
  }

  @Test
  void theLocationFallsBackToTheVariablesThePolarisSdkReads() {
    Map<String, String> env = new HashMap<>();
    env.put("REGION", "south");
    env.put("ZONE", "sz");
    env.put("POLARIS_LOCATION_CAMPUS", "nanshan");

    ProviderSettings settings = settings("polaris.location.zone=gz", new Properties(), env);

    assertEquals("south", settings.region);
    assertEquals("gz", settings.zone);
    assertEquals("nanshan", settings.campus);
  }

  @Test
  void invalidPortsAreDroppedWithOneErrorLine() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(err, true));
    ProviderSettings some;
    ProviderSettings none;
    try {
      some =
          settings(
              "polaris.grpc.server.ports=8080, x ,70000,9090",
              new Properties(),
              Collections.<String, String>emptyMap());
      none =
          settings(
              "polaris.grpc.server.ports=x",
              new Properties(),
              Collections.<String, String>emptyMap());
    } finally {
      System.setErr(original);
    }

    assertEquals(new LinkedHashSet<>(Arrays.asList(8080, 9090)), some.ports);
    assertEquals(
        Collections.singleton(ProviderSettings.NO_PORT), none.ports, "no server registers");
    String log = new String(err.toByteArray(), StandardCharsets.UTF_8);
    assertTrue(log.contains("ERROR invalid ports [x, 70000] in polaris.grpc.server.ports"), log);
    assertTrue(log.contains("ERROR invalid ports [x] in polaris.grpc.server.ports"), log);
    assertTrue(log.contains("no gRPC server registers"), log);
  }
}
