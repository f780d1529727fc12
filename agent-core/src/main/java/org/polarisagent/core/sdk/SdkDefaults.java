package org.polarisagent.core.sdk;

import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.config.ConfigurationImpl;
import com.tencent.polaris.factory.config.consumer.ServiceRouterConfigImpl;
import com.tencent.polaris.factory.config.global.APIConfigImpl;
import com.tencent.polaris.factory.config.global.EventReporterConfigImpl;
import com.tencent.polaris.factory.config.global.LocationConfigImpl;
import com.tencent.polaris.factory.config.global.LocationProviderConfigImpl;
import com.tencent.polaris.factory.config.global.ServerConnectorConfigImpl;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.polarisagent.core.logging.AgentLog;

/**
 * The agent's default SDK configuration: the SDK's defaults with the agent's changes.
 *
 * <p>Computing it binds the SDK's default yaml with Jackson, which costs about half a second of CPU
 * on first use. So the dist build computes it once ({@link #main}), lets an SDK start on it (which
 * adds the plugins' configurations, that have no defaults), and stores it in the agent jar as a
 * {@link ConfigSnapshot}; at run time {@link #fromSnapshot()} reads it back. Stateless.
 */
final class SdkDefaults {

  /** The snapshot's resource name, next to this class. */
  static final String SNAPSHOT = "sdk-defaults.snapshot";

  /** An address nothing listens on: the build-time SDK start needs one but must reach nothing. */
  private static final String NOWHERE = "127.0.0.1:1";

  /** The SDK's event reporter that writes events to its own log. */
  private static final String LOG_EVENTS = "logger";

  private SdkDefaults() {}

  /** The defaults the slow way: the SDK's default yaml bound, then the agent's changes. */
  static ConfigurationImpl compute() {
    ConfigurationImpl configuration = new ConfigurationImpl();
    configuration.setDefault();
    applyAgentChanges(configuration);
    return configuration;
  }

  /** The agent's changes to the SDK's defaults: {@link #quiet} and {@link #routers}. */
  static void applyAgentChanges(ConfigurationImpl configuration) {
    quiet(configuration);
    routers(configuration);
  }

  /**
   * The defaults from the snapshot in the agent jar, complete (an SDK can start on them without
   * filling in defaults); null, after one DEBUG line, if there is none or it cannot be read.
   */
  static ConfigurationImpl fromSnapshot() {
    return read(SdkDefaults.class.getResourceAsStream(SNAPSHOT));
  }

  /** The defaults from a snapshot stream, closed after; null (one log line) if unusable. */
  static ConfigurationImpl read(InputStream snapshot) {
    if (snapshot == null) {
      AgentLog.debug("no SDK defaults snapshot in the agent jar; binding the SDK's default yaml");
      return null;
    }
    try (InputStream in = new BufferedInputStream(snapshot)) {
      return (ConfigurationImpl) ConfigSnapshot.read(in, SdkDefaults.class.getClassLoader());
    } catch (IOException | ClassCastException e) {
      AgentLog.info("SDK defaults snapshot unusable (" + e + "); binding the SDK's default yaml");
      return null;
    }
  }

  /**
   * No listening port, no reports sent home, no file under the working directory. Events go only to
   * the reporter that writes them to the SDK log (the agent jar carries no other: the TSF and
   * Pushgateway ones send them out); events stay on, since with them off the SDK's circuit breaker
   * fails on its way to OPEN and never schedules the move to HALF_OPEN, so a broken instance would
   * never come back.
   */
  private static void quiet(ConfigurationImpl configuration) {
    EventReporterConfigImpl events = configuration.getGlobal().getEventReporter();
    List<String> dropped = new ArrayList<>();
    if (events.getReporters() != null) {
      dropped.addAll(events.getReporters());
      dropped.removeIf(LOG_EVENTS::equals);
    }
    if (!dropped.isEmpty()) {
      AgentLog.info(
          "Polaris SDK event reporters "
              + dropped
              + " not used: the agent sends no events out, they go to the SDK log only");
    }
    events.setReporters(Collections.singletonList(LOG_EVENTS));
    configuration.getGlobal().getStatReporter().setEnable(false);
    configuration.getGlobal().getTraceReporter().setEnable(false);
    configuration.getGlobal().getAPI().setReportEnable(false);
    configuration.getConsumer().getLocalCache().setPersistEnable(false);
  }

  /**
   * Isolated instances out first, then metadata, rule and nearby routing, broken or unhealthy ones
   * out last. None of these reads a call's context beyond the arguments the agent passes, which is
   * what lets the gRPC plugin reuse a routing result for calls with the same method and headers
   * (its {@code RouteRules}); a router that does (lane, canary) would have to be added there too.
   */
  private static void routers(ConfigurationImpl configuration) {
    ServiceRouterConfigImpl routers = configuration.getConsumer().getServiceRouter();
    routers.setBeforeChain(Collections.singletonList("isolatedRouter"));
    routers.setChain(Arrays.asList("metadataRouter", "ruleBasedRouter", "nearbyBasedRouter"));
    routers.setAfterChain(Collections.singletonList("recoverRouter"));
  }

  /**
   * Build time: writes the snapshot to {@code args[0]}, checking it reads back. The location the
   * default yaml's placeholders (REGION, ZONE, CAMPUS) took from the build's environment is left
   * out: they are resolved at run time ({@link SdkConfiguration}). Halts the JVM, in case an SDK
   * thread outlived the SDK's close.
   */
  public static void main(String[] args) {
    int status = 1;
    try {
      byte[] snapshot = snapshot();
      ConfigSnapshot.read(new ByteArrayInputStream(snapshot), SdkDefaults.class.getClassLoader());
      try (OutputStream out = new FileOutputStream(args[0])) {
        out.write(snapshot);
      }
      status = 0;
    } catch (Throwable t) {
      t.printStackTrace();
    } finally {
      System.err.flush();
      Runtime.getRuntime().halt(status);
    }
  }

  private static byte[] snapshot() throws IOException {
    ConfigurationImpl configuration = compute();
    ServerConnectorConfigImpl connector = configuration.getGlobal().getServerConnector();
    APIConfigImpl api = configuration.getGlobal().getAPI();
    List<String> addresses = connector.getAddresses();
    String bindIp = api.getBindIP();
    connector.setAddresses(new ArrayList<>(Collections.singletonList(NOWHERE)));
    api.setBindIP("127.0.0.1");
    SDKContext context = SDKContext.initContextByConfig(configuration);
    new SdkApis(context);
    // Closed before the configuration is read: no SDK thread may change it while it is written.
    context.close();
    connector.setAddresses(addresses);
    api.setBindIP(bindIp);
    LocationProviderConfigImpl local =
        ((LocationConfigImpl) configuration.getGlobal().getLocation()).getByType("local");
    if (local != null) {
      for (String key : new String[] {"region", "zone", "campus"}) {
        if (local.getOptions().containsKey(key)) {
          local.getOptions().put(key, null);
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ConfigSnapshot.write(configuration, out);
    return out.toByteArray();
  }
}
