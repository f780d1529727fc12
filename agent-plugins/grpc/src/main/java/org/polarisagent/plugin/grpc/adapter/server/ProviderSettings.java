package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;

/** The provider-side part of the agent configuration, read once. Immutable. */
final class ProviderSettings {

  /** Stands for "no port" in {@link #ports} when every configured entry was invalid. */
  static final int NO_PORT = -1;

  final boolean register;
  final String service;
  final String namespace;
  final String token;
  final String host;
  final String version;
  final int weight;
  final int ttlSeconds;
  final Map<String, String> metadata;
  final String region;
  final String zone;
  final String campus;

  /** Empty: every port. */
  final Set<Integer> ports;

  final long warmupMillis;
  final long shutdownDelayMillis;
  final boolean reportContract;
  final boolean healthAware;
  final long healthWaitMillis;

  /** The first Polaris server address as {@code host:port}, or empty: where host detection aims. */
  final String polarisAddress;

  private ProviderSettings(AgentConfig config, Map<String, String> env) {
    this.register = config.get(AgentConfig.SERVER_REGISTER);
    this.service = config.get(AgentConfig.SERVICE).trim();
    this.namespace = config.get(AgentConfig.NAMESPACE).trim();
    this.token = config.get(AgentConfig.TOKEN);
    this.host = config.get(AgentConfig.INSTANCE_HOST).trim();
    this.version = config.get(AgentConfig.INSTANCE_VERSION).trim();
    this.weight = config.get(AgentConfig.INSTANCE_WEIGHT);
    this.ttlSeconds = config.get(AgentConfig.INSTANCE_TTL);
    this.metadata =
        Collections.unmodifiableMap(new LinkedHashMap<>(config.entriesUnder(AgentConfig.METADATA)));
    this.region = orEnv(config.get(AgentConfig.REGION), env, "REGION");
    this.zone = orEnv(config.get(AgentConfig.ZONE), env, "ZONE");
    this.campus = orEnv(config.get(AgentConfig.CAMPUS), env, "CAMPUS");
    this.ports = parsePorts(config.get(AgentConfig.SERVER_PORTS));
    this.warmupMillis = config.get(AgentConfig.SERVER_WARMUP);
    this.shutdownDelayMillis = config.get(AgentConfig.SERVER_SHUTDOWN_DELAY);
    this.reportContract = config.get(AgentConfig.SERVER_REPORT_CONTRACT);
    this.healthAware = config.get(AgentConfig.SERVER_HEALTH_AWARE);
    this.healthWaitMillis = config.get(AgentConfig.SERVER_HEALTH_WAIT);
    List<String> addresses = config.get(AgentConfig.ADDRESS);
    this.polarisAddress = addresses.isEmpty() ? "" : addresses.get(0);
  }

  /**
   * Reads the settings; an invalid port in {@code polaris.grpc.server.ports} gives one ERROR line.
   * An empty region, zone or campus falls back to the {@code REGION}, {@code ZONE} or {@code
   * CAMPUS} environment variable, the names the Polaris SDK itself reads.
   */
  public static ProviderSettings from(AgentConfig config) {
    return from(config, System.getenv());
  }

  static ProviderSettings from(AgentConfig config, Map<String, String> env) {
    return new ProviderSettings(config, env);
  }

  private static String orEnv(String configured, Map<String, String> env, String variable) {
    String value = configured.trim();
    if (value.isEmpty()) {
      String fromEnv = env.get(variable);
      value = fromEnv == null ? "" : fromEnv.trim();
    }
    return value;
  }

  private static Set<Integer> parsePorts(List<String> entries) {
    Set<Integer> ports = new LinkedHashSet<>();
    List<String> invalid = new ArrayList<>();
    for (String entry : entries) {
      String text = entry.trim();
      if (text.isEmpty()) {
        continue;
      }
      try {
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
        ports.add(port);
      } catch (NumberFormatException e) {
        invalid.add(text);
      }
    }
    if (!invalid.isEmpty()) {
      // With no valid entry left, registering no server is safer than registering every one.
      AgentLog.error(
          "invalid ports "
              + invalid
              + " in "
              + AgentConfig.SERVER_PORTS.name()
              + " ("
              + AgentConfig.SERVER_PORTS.envName()
              + "): expected port numbers from 1 to 65535; "
              + (ports.isEmpty() ? "no gRPC server registers" : "they are ignored"));
      if (ports.isEmpty()) {
        ports.add(NO_PORT);
      }
    }
    return Collections.unmodifiableSet(ports);
  }
}
