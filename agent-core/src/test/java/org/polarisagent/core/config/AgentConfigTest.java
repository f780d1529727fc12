package org.polarisagent.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {

  private static Properties props(String... pairs) {
    Properties p = new Properties();
    for (int i = 0; i < pairs.length; i += 2) {
      p.setProperty(pairs[i], pairs[i + 1]);
    }
    return p;
  }

  private static Map<String, String> env(String... pairs) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void defaultsWorkAgainstALocalServer() {
    AgentConfig config = AgentConfig.load(null, props(), env());
    assertEquals(Collections.singletonList("127.0.0.1:8091"), config.get(AgentConfig.ADDRESS));
    assertEquals("default", config.get(AgentConfig.NAMESPACE));
    assertTrue(config.get(AgentConfig.ENABLED));
    assertEquals(6000L, config.get(AgentConfig.SERVER_SHUTDOWN_DELAY));
    assertTrue(config.errors().isEmpty());
    assertFalse(config.disconnected());
  }

  @Test
  void precedenceIsArgumentsThenPropertiesThenEnvironmentThenFile(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve("agent.properties");
    Files.write(
        file,
        ("polaris.namespace=from-file\npolaris.service=file-service\npolaris.token=file-token\n"
                + "polaris.instance.version=file-version\n")
            .getBytes(StandardCharsets.UTF_8));
    AgentConfig config =
        AgentConfig.load(
            "polaris.namespace=from-args",
            props(
                "polaris.namespace",
                "from-props",
                "polaris.service",
                "props-service",
                "polaris.config.file",
                file.toString()),
            env(
                "POLARIS_NAMESPACE",
                "from-env",
                "POLARIS_SERVICE",
                "env-service",
                "POLARIS_TOKEN",
                "env-token"));
    assertEquals("from-args", config.get(AgentConfig.NAMESPACE));
    assertEquals("props-service", config.get(AgentConfig.SERVICE));
    assertEquals("env-token", config.get(AgentConfig.TOKEN));
    assertEquals("file-version", config.get(AgentConfig.INSTANCE_VERSION));
  }

  @Test
  void agentArgumentsKeepCommasInsideListValues() {
    AgentConfig config =
        AgentConfig.load(
            "polaris.address=grpc://10.0.0.1:8091,10.0.0.2:8091,polaris.service=echo",
            props(),
            env());
    assertEquals(Arrays.asList("10.0.0.1:8091", "10.0.0.2:8091"), config.get(AgentConfig.ADDRESS));
    assertEquals("echo", config.get(AgentConfig.SERVICE));
  }

  @Test
  void malformedAddressDisconnectsWithOneMessageNamingKeyValueAndForm() {
    AgentConfig config = AgentConfig.load(null, props("polaris.address", "grpc://no-port"), env());
    assertTrue(config.disconnected());
    assertEquals(1, config.errors().size());
    String error = config.errors().get(0);
    assertTrue(error.contains("polaris.address"), error);
    assertTrue(error.contains("grpc://no-port"), error);
    assertTrue(error.contains("host:port"), error);
  }

  @Test
  void invalidValuesFallBackToTheDefault() {
    AgentConfig config =
        AgentConfig.load(
            null,
            props(
                "polaris.loadbalancer",
                "fastest",
                "polaris.grpc.server.shutdown-delay",
                "-3s",
                "polaris.agent.enabled",
                "yes"),
            env());
    assertEquals("weighted_random", config.get(AgentConfig.LOAD_BALANCER));
    assertEquals(6000L, config.get(AgentConfig.SERVER_SHUTDOWN_DELAY));
    assertTrue(config.get(AgentConfig.ENABLED));
    assertEquals(3, config.errors().size());
    assertFalse(config.disconnected());
    assertTrue(
        config.errors().get(0).contains("weighted_random, round_robin, ring_hash, maglev")
            || config.errors().stream().anyMatch(e -> e.contains("one of weighted_random")),
        config.errors().toString());
  }

  @Test
  void unknownKeysAreReportedWithASuggestion() {
    AgentConfig config =
        AgentConfig.load(
            "polaris.enabled=false",
            props(
                "polaris.metadata.team",
                "blue",
                "polaris.log.home",
                "/x",
                "polaris.servce",
                "echo"),
            env());
    assertEquals(2, config.errors().size(), config.errors().toString());
    assertTrue(
        config.errors().get(0).contains("polaris.enabled")
            && config.errors().get(0).contains("polaris.agent.enabled"),
        config.errors().get(0));
    assertTrue(config.errors().get(1).contains("polaris.servce"), config.errors().get(1));
    assertTrue(config.get(AgentConfig.ENABLED));
  }

  @Test
  void durationsTakeUnits() {
    assertEquals(500L, ValueType.DURATION_MILLIS.parse("500ms"));
    assertEquals(5000L, ValueType.DURATION_MILLIS.parse("5s"));
    assertEquals(120000L, ValueType.DURATION_MILLIS.parse("2m"));
    assertEquals(250L, ValueType.DURATION_MILLIS.parse("250"));
    assertEquals(3000L, ValueType.DURATION_MILLIS.parse("3 S"));
    for (String bad :
        new String[] {"", "s", "5h", "5sec", "-5s", "1.5s", "5 m s", "٥s", "5\u0000s", "5s "}) {
      assertThrows(IllegalArgumentException.class, () -> ValueType.DURATION_MILLIS.parse(bad), bad);
    }
  }

  @Test
  void polarisNamesTakeLettersDigitsAndFivePunctuationMarksUpTo128() {
    ValueType<String> name = ValueType.polarisName(false);
    assertEquals("Echo_v2.svc:grpc/x-1", name.parse("Echo_v2.svc:grpc/x-1"));
    assertEquals(repeat('a', 128), name.parse(repeat('a', 128)));
    for (String bad : new String[] {"", "echo svc", "échо", "echo#1", repeat('a', 129)}) {
      assertThrows(IllegalArgumentException.class, () -> name.parse(bad), bad);
    }
    assertEquals("", ValueType.polarisName(true).parse(""));
  }

  private static String repeat(char c, int times) {
    char[] chars = new char[times];
    java.util.Arrays.fill(chars, c);
    return new String(chars);
  }

  @Test
  void metadataComesFromTheMapKeyAndFromPrefixedEntries() {
    AgentConfig config =
        AgentConfig.load(
            "polaris.metadata.env=gray",
            props("polaris.metadata", "version=v2,env=prod", "polaris.metadata.team", "blue"),
            env());
    Map<String, String> metadata = config.entriesUnder(AgentConfig.METADATA);
    assertEquals("v2", metadata.get("version"));
    assertEquals("gray", metadata.get("env"));
    assertEquals("blue", metadata.get("team"));
  }

  @Test
  void everyKeyHasAnEnvironmentName() {
    for (ConfigKey<?> key : AgentConfig.keys()) {
      assertTrue(key.envName().startsWith("POLARIS_"), key.name());
      assertFalse(key.description().isEmpty(), key.name());
    }
  }

  /**
   * A value that cannot work for each key, or null where every text is accepted. Every key must be
   * listed: a new key makes this test fail until someone decides what a bad value of it is.
   */
  private static final Map<String, String> BAD_VALUES = badValues();

  private static Map<String, String> badValues() {
    Map<String, String> bad = new HashMap<>();
    bad.put("polaris.agent.enabled", "maybe");
    bad.put("polaris.address", "no-port");
    bad.put("polaris.namespace", "bad namespace!");
    bad.put("polaris.token", null);
    bad.put("polaris.service", "bad service!");
    bad.put("polaris.config.file", null);
    bad.put("polaris.sdk.config.file", "/no/such/sdk.yaml");
    bad.put("polaris.sdk.start", "later");
    bad.put("polaris.sdk.transport", "netty");
    bad.put("polaris.instance.host", null);
    bad.put("polaris.instance.version", null);
    bad.put("polaris.instance.weight", "-1");
    bad.put("polaris.instance.ttl", "0");
    bad.put("polaris.metadata", "no-equals");
    bad.put("polaris.location.region", null);
    bad.put("polaris.location.zone", null);
    bad.put("polaris.location.campus", null);
    bad.put("polaris.grpc.server.register", "yes");
    bad.put("polaris.grpc.server.ports", null); // each entry is checked where it is used
    bad.put("polaris.grpc.server.warmup", "soon");
    bad.put("polaris.grpc.server.shutdown-delay", "-5s");
    bad.put("polaris.grpc.server.report-contract", "perhaps");
    bad.put("polaris.grpc.server.health-aware", "mostly");
    bad.put("polaris.grpc.server.health-wait", "a while");
    bad.put("polaris.grpc.client.target-mapping", "no-equals");
    bad.put("polaris.grpc.client.keep-authority", "perhaps");
    bad.put("polaris.grpc.propagate-headers", "x-env,x-trace-bin");
    bad.put("polaris.loadbalancer", "fastest");
    bad.put("polaris.loadbalancer.hash-header", "x-user-bin");
    bad.put("polaris.loadbalancer.warmup", "30 seconds");
    bad.put("polaris.loadbalancer.subset-size", "-5");
    bad.put("polaris.circuitbreaker.enabled", "on");
    bad.put("polaris.circuitbreaker.failure-codes", "UNAVAILABLE,BROKEN");
    bad.put("polaris.ratelimit.enabled", "1");
    bad.put("polaris.router.metadata", "no-equals");
    bad.put("polaris.router.nearby.enabled", "near");
    bad.put("polaris.router.labels", "no-equals");
    bad.put("polaris.metrics.port", "65536");
    bad.put("polaris.metrics.host", null); // an address that cannot be bound gives one ERROR then
    bad.put("polaris.metrics.max-series", "0");
    bad.put("polaris.log.level", "verbose");
    bad.put("polaris.log.sdk.file", null);
    bad.put("polaris.log.sdk.level", "verbose");
    return bad;
  }

  @Test
  void everyKeyGivesOneErrorNamingKeyValueAndAcceptedFormsThenItsDefault() {
    AgentConfig defaults = AgentConfig.load(null, props(), env());
    for (ConfigKey<?> key : AgentConfig.keys()) {
      assertTrue(BAD_VALUES.containsKey(key.name()), "no bad value decided for " + key.name());
      String bad = BAD_VALUES.get(key.name());
      if (bad == null) {
        continue;
      }
      AgentConfig config = AgentConfig.load(null, props(key.name(), bad), env());
      assertEquals(1, config.errors().size(), key.name() + ": " + config.errors());
      String error = config.errors().get(0);
      assertTrue(
          error.contains(key.name())
              && error.contains("'" + bad + "'")
              && error.contains(key.type().accepted()),
          error);
      assertEquals(defaults.get(key), config.get(key), key.name());
      assertEquals(key == AgentConfig.ADDRESS, config.disconnected(), key.name());
    }
  }

  @Test
  void hashHeaderMustBeAnAsciiHeaderGrpcAccepts() {
    for (String bad : new String[] {"x-user-bin", "x user", ":path", "x-é"}) {
      AgentConfig config =
          AgentConfig.load(null, props("polaris.loadbalancer.hash-header", bad), env());
      assertEquals("", config.get(AgentConfig.LOAD_BALANCER_HASH_HEADER), bad);
      assertEquals(1, config.errors().size(), bad);
    }
    AgentConfig config =
        AgentConfig.load(null, props("polaris.loadbalancer.hash-header", "X-User_Id.v2"), env());
    assertEquals("x-user_id.v2", config.get(AgentConfig.LOAD_BALANCER_HASH_HEADER));
    assertTrue(config.errors().isEmpty(), config.errors().toString());
  }

  @Test
  void propagatedHeadersAreAsciiHeadersThatGrpcDoesNotReserve() {
    for (String bad :
        new String[] {
          "x-env,x-trace-bin",
          "grpc-timeout",
          "x-env,x lane",
          ":path",
          "x-env,x-polaris-caller-service"
        }) {
      AgentConfig config =
          AgentConfig.load(null, props("polaris.grpc.propagate-headers", bad), env());
      assertEquals(Arrays.asList(), config.get(AgentConfig.PROPAGATE_HEADERS), bad);
      assertEquals(1, config.errors().size(), bad);
    }
    AgentConfig config =
        AgentConfig.load("polaris.grpc.propagate-headers=X-Env,x-lane", props(), env());
    assertEquals(Arrays.asList("x-env", "x-lane"), config.get(AgentConfig.PROPAGATE_HEADERS));
    assertTrue(config.errors().isEmpty(), config.errors().toString());
  }
}
