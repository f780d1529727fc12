package org.polarisagent.core.sdk;

import com.tencent.polaris.api.config.Configuration;
import com.tencent.polaris.api.config.consumer.LoadBalanceConfig;
import com.tencent.polaris.api.plugin.PluginType;
import com.tencent.polaris.api.plugin.TypeProvider;
import com.tencent.polaris.api.plugin.common.ValueContext;
import com.tencent.polaris.api.plugin.impl.PluginManager;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.ConfigAPIFactory;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import com.tencent.polaris.factory.config.global.LocationConfigImpl;
import com.tencent.polaris.factory.config.global.LocationProviderConfigImpl;
import com.tencent.polaris.factory.config.global.ServerConnectorConfigImpl;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.polarisagent.core.config.AgentConfig;

/**
 * The SDK configuration built from the agent configuration, and the SDK context started on it.
 *
 * <p>Never from {@code polaris.yml} found through the application's class loader. Unless an SDK
 * yaml is given, the agent's defaults ({@link SdkDefaults}) keep the SDK from opening ports,
 * phoning home, or writing into the working directory, and run only the routers the agent uses.
 * Must run with the agent loader as the thread's context class loader. Immutable.
 */
final class SdkConfiguration {

  private final Configuration configuration;

  /** Whether every SDK default is in already (from the snapshot), so none need filling in. */
  private final boolean complete;

  private SdkConfiguration(Configuration configuration, boolean complete) {
    this.configuration = configuration;
    this.complete = complete;
  }

  static SdkConfiguration build(AgentConfig config) throws Exception {
    String yaml = config.get(AgentConfig.SDK_CONFIG_FILE);
    if (!yaml.isEmpty()) {
      ConfigurationImpl configuration;
      try (InputStream in = new FileInputStream(yaml)) {
        configuration = (ConfigurationImpl) ConfigAPIFactory.loadConfig(in);
      }
      // What the yaml leaves out takes the SDK's defaults (the agent's settings below need them
      // now), then the agent's changes: no port, no report, nothing written, the agent's routers.
      configuration.setDefault();
      SdkDefaults.applyAgentChanges(configuration);
      return apply(config, configuration, false);
    }
    ConfigurationImpl snapshot = SdkDefaults.fromSnapshot();
    return snapshot != null
        ? apply(config, snapshot, true)
        : apply(config, SdkDefaults.compute(), false);
  }

  /**
   * Sets the agent configuration's addresses, token, bind IP and location into {@code
   * configuration}, and with several addresses the SDK's probing server choice; {@code complete}
   * when it came from the snapshot.
   */
  static SdkConfiguration apply(
      AgentConfig config, ConfigurationImpl configuration, boolean complete) {
    List<String> addresses = new ArrayList<>(config.get(AgentConfig.ADDRESS));
    ServerConnectorConfigImpl connector = configuration.getGlobal().getServerConnector();
    connector.setAddresses(addresses);
    if (addresses.size() > 1
        && LoadBalanceConfig.LOAD_BALANCE_ROUND_ROBIN.equals(connector.getLbPolicy())) {
      // Round robin takes the next address blindly: with the first node down, a JVM starting
      // then keeps one of its SDK connections (the one that checks which rule types the server
      // knows) on that node until the next periodic switch, 10 minutes later, and cannot resolve
      // any service meanwhile. nearbyBackup probes the nodes and never picks a dead one.
      connector.setLbPolicy(LoadBalanceConfig.LOAD_BALANCE_NEARBY_BACKUP);
    }
    String token = config.get(AgentConfig.TOKEN);
    if (!token.isEmpty()) {
      connector.setToken(token);
    }
    // Without a bind IP, SDK init opens a socket to the server, with no timeout, only to learn it.
    configuration.getGlobal().getAPI().setBindIP(LocalAddress.towards(addresses.get(0)));
    location(configuration, config, complete);
    return new SdkConfiguration(configuration, complete);
  }

  Configuration configuration() {
    return configuration;
  }

  boolean complete() {
    return complete;
  }

  /**
   * Starts an SDK context on this configuration. On a complete one, this is what {@link
   * SDKContext#initContextByConfig} does without filling in defaults again (which would bind the
   * SDK's default yaml) and without logging the whole configuration as JSON: verify, load the
   * plugin types, then create and initialize the plugins, destroying them if that fails.
   */
  SDKContext startContext() {
    if (!complete) {
      return SDKContext.initContextByConfig(configuration);
    }
    configuration.verify();
    List<PluginType> types = new ArrayList<>();
    for (TypeProvider provider : ServiceLoader.load(TypeProvider.class)) {
      types.addAll(provider.getTypes());
    }
    PluginManager manager = new PluginManager(types);
    ValueContext values = new ValueContext();
    values.setHost(SDKContext.parseHost(configuration));
    values.setServerConnectorProtocol(SDKContext.parseServerConnectorProtocol(configuration));
    SDKContext context = new SDKContext(configuration, manager, values);
    try {
      manager.initPlugins(context);
    } catch (RuntimeException | Error e) {
      manager.destroyPlugins();
      throw e;
    }
    return context;
  }

  /**
   * The configured location wins. Empty keys keep the SDK's default: REGION, ZONE, CAMPUS from a
   * system property or else the environment, which the SDK's default yaml names and the snapshot
   * leaves unresolved.
   */
  private static void location(
      ConfigurationImpl configuration, AgentConfig config, boolean fromSnapshot) {
    LocationProviderConfigImpl local =
        ((LocationConfigImpl) configuration.getGlobal().getLocation()).getByType("local");
    if (local == null) {
      return;
    }
    Map<String, Object> options = local.getOptions();
    put(options, "region", config.get(AgentConfig.REGION), "REGION", fromSnapshot);
    put(options, "zone", config.get(AgentConfig.ZONE), "ZONE", fromSnapshot);
    put(options, "campus", config.get(AgentConfig.CAMPUS), "CAMPUS", fromSnapshot);
  }

  private static void put(
      Map<String, Object> options,
      String name,
      String value,
      String placeholder,
      boolean fromSnapshot) {
    if (!value.isEmpty()) {
      options.put(name, value);
    } else if (fromSnapshot) {
      String resolved = System.getProperty(placeholder, System.getenv(placeholder));
      if (resolved != null) {
        options.put(name, resolved);
      }
    }
  }
}
