package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.config.Configuration;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.ConfigAPIFactory;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import com.tencent.polaris.factory.config.global.LocationConfigImpl;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.core.config.AgentConfig;

class SdkConfigurationTest {

  private static AgentConfig config(String... pairs) {
    Properties properties = new Properties();
    properties.setProperty("polaris.address", "127.0.0.1:1");
    for (int i = 0; i < pairs.length; i += 2) {
      properties.setProperty(pairs[i], pairs[i + 1]);
    }
    return AgentConfig.load(null, properties, System.getenv());
  }

  private static ConfigurationImpl snapshotted() throws IOException {
    return SdkDefaults.read(
        new ByteArrayInputStream(ConfigSnapshotTest.write(SdkDefaults.compute())));
  }

  private static Map<String, Object> locationOptions(Configuration configuration) {
    return ((LocationConfigImpl) configuration.getGlobal().getLocation())
        .getByType("local")
        .getOptions();
  }

  @Test
  void withoutASnapshotTheDefaultYamlIsBound() throws Exception {
    assertNull(SdkDefaults.fromSnapshot(), "unit tests run without the jar's snapshot");
    SdkConfiguration built = SdkConfiguration.build(config("polaris.token", "secret"));
    assertFalse(built.complete());
    assertEquals("secret", built.configuration().getGlobal().getServerConnector().getToken());
    assertFalse(built.configuration().getGlobal().getStatReporter().isEnable());
  }

  @Test
  void anUnusableSnapshotGivesNoDefaults() {
    assertNull(SdkDefaults.read(null));
    byte[] garbage = "not a snapshot".getBytes(StandardCharsets.UTF_8);
    assertNull(SdkDefaults.read(new ByteArrayInputStream(garbage)));
  }

  @Test
  void aSnapshotLocationFollowsTheSdkPlaceholdersUnlessConfigured() throws IOException {
    String before = System.getProperty("ZONE");
    System.setProperty("ZONE", "zone-from-property");
    try {
      SdkConfiguration built =
          SdkConfiguration.apply(
              config("polaris.location.region", "configured"), snapshotted(), true);
      Map<String, Object> options = locationOptions(built.configuration());
      assertEquals("configured", options.get("region"));
      assertEquals("zone-from-property", options.get("zone"));
    } finally {
      if (before == null) {
        System.clearProperty("ZONE");
      } else {
        System.setProperty("ZONE", before);
      }
    }
  }

  @Test
  void anSdkStartsOnASnapshotWithoutFillingInDefaults() throws IOException {
    SdkConfiguration built = SdkConfiguration.apply(config(), snapshotted(), true);
    assertTrue(built.complete());
    SDKContext context = built.startContext();
    try {
      assertNotNull(new SdkApis(context).consumer());
    } finally {
      context.close();
    }
  }

  @Test
  void anSdkYamlGetsTheSdkDefaultsFromTheLazyProvider() {
    String yaml = "global:\n  serverConnector:\n    addresses:\n      - 127.0.0.1:1\n";
    ConfigurationImpl configuration =
        (ConfigurationImpl)
            ConfigAPIFactory.loadConfig(
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    configuration.setDefault(new LazyDefaultConfigProvider().getDefaultConfig());
    configuration.verify();
    assertNotNull(configuration.getConsumer().getServiceRouter().getChain());
  }

  @Test
  void aPartialSdkYamlGetsTheAgentsDefaults(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("sdk.yml");
    Files.write(yaml, "global:\n  api:\n    timeout: 3s\n".getBytes(StandardCharsets.UTF_8));
    SdkConfiguration built =
        SdkConfiguration.build(config("polaris.sdk.config.file", yaml.toString()));
    assertFalse(built.complete());
    Configuration configuration = built.configuration();
    assertEquals(3000L, configuration.getGlobal().getAPI().getTimeout());
    assertEquals(
        Arrays.asList("127.0.0.1:1"),
        configuration.getGlobal().getServerConnector().getAddresses());
    assertFalse(configuration.getGlobal().getStatReporter().isEnable(), "no metrics port");
    assertFalse(configuration.getGlobal().getAPI().isReportEnable(), "no reports");
    assertFalse(configuration.getConsumer().getLocalCache().isPersistEnable(), "no files written");
    assertEquals(
        Arrays.asList("metadataRouter", "ruleBasedRouter", "nearbyBasedRouter"),
        configuration.getConsumer().getServiceRouter().getChain());
    SDKContext context = built.startContext();
    try {
      assertNotNull(new SdkApis(context).provider());
    } finally {
      context.close();
    }
  }

  /** The agent jar carries no reporter that sends events out: a yaml naming one must not fail. */
  @Test
  void eventsGoOnlyToTheSdkLogWhateverTheYamlNames(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("sdk.yml");
    String text =
        "global:\n  eventReporter:\n    reporters:\n      - logger\n      - pushgateway\n";
    Files.write(yaml, text.getBytes(StandardCharsets.UTF_8));
    SdkConfiguration built =
        SdkConfiguration.build(config("polaris.sdk.config.file", yaml.toString()));
    assertEquals(
        Arrays.asList("logger"),
        built.configuration().getGlobal().getEventReporter().getReporters());
  }

  @Test
  void severalServerNodesArePickedByProbeNotBlindly() throws IOException {
    assertEquals(
        "roundRobin",
        SdkConfiguration.apply(config(), snapshotted(), true)
            .configuration()
            .getGlobal()
            .getServerConnector()
            .getLbPolicy(),
        "one node: the SDK's default");
    assertEquals(
        "nearbyBackup",
        SdkConfiguration.apply(
                config("polaris.address", "127.0.0.1:1,127.0.0.2:1"), snapshotted(), true)
            .configuration()
            .getGlobal()
            .getServerConnector()
            .getLbPolicy(),
        "two nodes: a dead first node is never chosen");
  }
}
