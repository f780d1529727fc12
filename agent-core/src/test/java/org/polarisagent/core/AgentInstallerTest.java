package org.polarisagent.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.config.AgentConfig;

class AgentInstallerTest {

  private static boolean startsAtOnce(String... pairs) {
    Properties properties = new Properties();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      properties.setProperty(pairs[i], pairs[i + 1]);
    }
    return AgentInstaller.startsSdkAtOnce(
        AgentConfig.load(null, properties, Collections.<String, String>emptyMap()));
  }

  @Test
  void sdkStartsOnFirstNeedUnlessTheAppIsMeantToUsePolaris() {
    assertFalse(startsAtOnce(), "an app with the agent and no Polaris settings");
    assertFalse(startsAtOnce("polaris.address", "127.0.0.1:8091"), "an address alone says nothing");
    assertTrue(startsAtOnce("polaris.service", "echo"));
    assertTrue(startsAtOnce("polaris.grpc.client.target-mapping", "echo.internal:50051=echo"));
  }

  @Test
  void explicitChoiceWins() {
    assertTrue(startsAtOnce("polaris.sdk.start", "eager"));
    assertFalse(startsAtOnce("polaris.sdk.start", "lazy", "polaris.service", "echo"));
  }
}
