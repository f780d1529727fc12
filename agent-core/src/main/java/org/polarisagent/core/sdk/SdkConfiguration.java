package org.polarisagent.core.sdk;

import com.tencent.polaris.api.config.Configuration;
import com.tencent.polaris.factory.ConfigAPIFactory;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import com.tencent.polaris.factory.config.consumer.ServiceRouterConfigImpl;
import com.tencent.polaris.factory.config.global.LocationConfigImpl;
import com.tencent.polaris.factory.config.global.LocationProviderConfigImpl;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.polarisagent.core.config.AgentConfig;

/**
 * Builds the SDK configuration from the agent configuration, in code.
 *
 * <p>Never from {@code polaris.yml} found through the application's class loader. Unless an SDK
 * yaml is given, the built-in configuration keeps the SDK from opening ports, phoning home, or
 * writing into the working directory, and runs only the routers the agent uses. Must run with the
 * agent loader as the thread's context class loader. Stateless.
 */
final class SdkConfiguration {

  private SdkConfiguration() {}

  static Configuration build(AgentConfig config) throws Exception {
    String yaml = config.get(AgentConfig.SDK_CONFIG_FILE);
    ConfigurationImpl configuration;
    if (yaml.isEmpty()) {
      configuration = new ConfigurationImpl();
      configuration.setDefault();
      quiet(configuration);
      routers(configuration);
    } else {
      try (InputStream in = new FileInputStream(yaml)) {
        configuration = (ConfigurationImpl) ConfigAPIFactory.loadConfig(in);
      }
    }
    List<String> addresses = new ArrayList<>(config.get(AgentConfig.ADDRESS));
    configuration.getGlobal().getServerConnector().setAddresses(addresses);
    String token = config.get(AgentConfig.TOKEN);
    if (!token.isEmpty()) {
      configuration.getGlobal().getServerConnector().setToken(token);
    }
    // Without a bind IP, SDK init opens a socket to the server, with no timeout, only to learn it.
    configuration.getGlobal().getAPI().setBindIP(LocalAddress.towards(addresses.get(0)));
    location(configuration, config);
    return configuration;
  }

  /**
   * No listening port, no reports sent home, no file under the working directory. The event
   * reporter stays on (it only logs, to the SDK log): with it off, the SDK's circuit breaker fails
   * on its way to OPEN and never schedules the move to HALF_OPEN, so a broken instance would never
   * come back.
   */
  private static void quiet(ConfigurationImpl configuration) {
    configuration.getGlobal().getStatReporter().setEnable(false);
    configuration.getGlobal().getTraceReporter().setEnable(false);
    configuration.getGlobal().getAPI().setReportEnable(false);
    configuration.getConsumer().getLocalCache().setPersistEnable(false);
  }

  /**
   * Isolated instances out first, then metadata, rule and nearby routing, broken or unhealthy ones
   * out last.
   */
  private static void routers(ConfigurationImpl configuration) {
    ServiceRouterConfigImpl routers = configuration.getConsumer().getServiceRouter();
    routers.setBeforeChain(Collections.singletonList("isolatedRouter"));
    routers.setChain(Arrays.asList("metadataRouter", "ruleBasedRouter", "nearbyBasedRouter"));
    routers.setAfterChain(Collections.singletonList("recoverRouter"));
  }

  /**
   * The configured location wins; empty keys keep the SDK's default (REGION, ZONE, CAMPUS from the
   * environment).
   */
  private static void location(ConfigurationImpl configuration, AgentConfig config) {
    LocationProviderConfigImpl local =
        ((LocationConfigImpl) configuration.getGlobal().getLocation()).getByType("local");
    if (local == null) {
      return;
    }
    Map<String, Object> options = local.getOptions();
    put(options, "region", config.get(AgentConfig.REGION));
    put(options, "zone", config.get(AgentConfig.ZONE));
    put(options, "campus", config.get(AgentConfig.CAMPUS));
  }

  private static void put(Map<String, Object> options, String name, String value) {
    if (!value.isEmpty()) {
      options.put(name, value);
    }
  }
}
