package org.polarisagent.core.config;

import static org.polarisagent.core.config.KeyDeclarations.entries;
import static org.polarisagent.core.config.KeyDeclarations.flag;
import static org.polarisagent.core.config.KeyDeclarations.key;
import static org.polarisagent.core.config.KeyDeclarations.text;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.polarisagent.core.config.ConfigKey.OnInvalid;

/**
 * The agent's configuration: every key it reads is declared here, and nowhere else.
 *
 * <p>Each value comes from the first source that sets it: agent arguments, {@code -Dpolaris.*}
 * system properties, {@code POLARIS_*} environment variables, the properties file named by {@link
 * #CONFIG_FILE} ({@link ConfigSources} reads them), then the default. Keys declared as maps also
 * collect {@code <key>.<entry>=value} forms. A value that cannot be parsed gives one ERROR line and
 * the key's {@link OnInvalid} fallback. Immutable once loaded.
 */
public final class AgentConfig {

  // ---- agent and connection
  public static final ConfigKey<Boolean> ENABLED =
      flag(
          "polaris.agent.enabled",
          true,
          "Set to false to turn the agent into a no-op: nothing is instrumented, nothing connects.");
  public static final ConfigKey<List<String>> ADDRESS =
      key(
          "polaris.address",
          "127.0.0.1:8091",
          ValueType.ADDRESSES,
          OnInvalid.DISCONNECT,
          "Polaris server gRPC addresses: one server, or every node of a cluster (a node found down is"
              + " skipped and the SDK moves to another one on the first failed request). If invalid,"
              + " the agent stays away from Polaris (no registration, Polaris channels fail fast) and"
              + " the application runs on.");
  public static final ConfigKey<String> NAMESPACE =
      key(
          "polaris.namespace",
          "default",
          ValueType.polarisName(false),
          "Namespace of registered services and the default namespace of polaris:// targets.");
  public static final ConfigKey<String> TOKEN =
      text(
          "polaris.token",
          "Token sent to the Polaris server when it requires authentication. Masked (***) in every log line.");
  public static final ConfigKey<String> SERVICE =
      key(
          "polaris.service",
          "",
          ValueType.polarisName(true),
          "This application's service name: the Polaris service its gRPC servers register as, and the caller"
              + " service its calls carry. Empty: each gRPC service a server exposes registers under its own"
              + " full name.");
  public static final ConfigKey<String> CONFIG_FILE =
      text(
          "polaris.config.file",
          "A properties file with any of these keys; the lowest-precedence source above the defaults.");
  public static final ConfigKey<String> SDK_CONFIG_FILE =
      key(
          "polaris.sdk.config.file",
          "",
          ValueType.READABLE_FILE,
          "Advanced: a Polaris SDK yaml used as the base SDK configuration instead of the agent's built-in"
              + " one; what it leaves out takes the SDK's defaults; the agent then keeps the SDK from"
              + " opening ports, sending reports or events or writing files (events go to the SDK log"
              + " only), and sets its router chain; address and token from the agent's keys still"
              + " apply.");

  public static final ConfigKey<String> SDK_START =
      key(
          "polaris.sdk.start",
          "auto",
          ValueType.oneOf("auto", "eager", "lazy"),
          "When the Polaris SDK starts (about 0.4 s on 2 cores): lazy on the first Polaris channel or server to"
              + " register, so an app that never uses Polaris never pays for it; eager in the background at JVM"
              + " start; auto is eager if polaris.service or polaris.grpc.client.target-mapping is set.");
  public static final ConfigKey<String> SDK_TRANSPORT =
      key(
          "polaris.sdk.transport",
          "auto",
          ValueType.oneOf("auto", "application", "bundled"),
          "The gRPC the SDK reaches Polaris over. application: the application's, once it used the system class"
              + " loader's gRPC (else bundled); the SDK's own gRPC and netty are then not loaded, and what the"
              + " application adds to every channel (tracing, header or binary logs) sees the SDK's calls."
              + " bundled: the gRPC and netty inside the SDK. auto: application unless polaris.token is set, so"
              + " the token never passes through the application's gRPC. TLS to Polaris is always bundled.");

  // ---- this application as an instance (provider side)
  /**
   * Environment variables a container platform sets (e.g. Kubernetes through the downward API),
   * read in this order for the registered host when {@link #INSTANCE_HOST} is empty and the server
   * is bound to no specific address.
   */
  public static final List<String> INSTANCE_HOST_ENV =
      Collections.unmodifiableList(Arrays.asList("POD_IP", "HOST_IP"));

  public static final ConfigKey<String> INSTANCE_HOST =
      text(
          "polaris.instance.host",
          "Host registered for this application's servers. Empty: the server's own address if it is bound to"
              + " a specific one, else POD_IP or HOST_IP from the environment if set, else the address of the local"
              + " interface that reaches the first Polaris server; never 0.0.0.0.");
  public static final ConfigKey<String> INSTANCE_VERSION =
      text("polaris.instance.version", "Version registered with each instance.");
  public static final ConfigKey<Integer> INSTANCE_WEIGHT =
      key(
          "polaris.instance.weight",
          "100",
          ValueType.intRange(0, 10000),
          "Weight registered with each instance.");
  public static final ConfigKey<Integer> INSTANCE_TTL =
      key(
          "polaris.instance.ttl",
          "5",
          ValueType.intRange(1, 60),
          "Heartbeat TTL in seconds; the server marks an instance unhealthy after 3 missed TTLs.");
  public static final ConfigKey<Map<String, String>> METADATA =
      entries(
          "polaris.metadata",
          "Metadata registered with each instance; single entries also as polaris.metadata.<name>=<value>.");
  public static final ConfigKey<String> REGION =
      text(
          "polaris.location.region",
          "Region of this application, registered with its instances and used for nearby routing. Empty: the"
              + " REGION environment variable, as the Polaris SDK reads it.");
  public static final ConfigKey<String> ZONE =
      text(
          "polaris.location.zone",
          "Zone of this application, as for the region (environment fallback: ZONE).");
  public static final ConfigKey<String> CAMPUS =
      text(
          "polaris.location.campus",
          "Campus of this application, as for the region (environment fallback: CAMPUS).");

  // ---- gRPC servers
  public static final ConfigKey<Boolean> SERVER_REGISTER =
      flag(
          "polaris.grpc.server.register",
          true,
          "Register started gRPC servers in Polaris: as polaris.service if set, else each gRPC service under its"
              + " full name. In-process servers and servers that expose only infrastructure services (health,"
              + " reflection, channelz, CSDS, ORCA) are never registered; registration runs in the background and"
              + " is retried while Polaris is unreachable.");
  public static final ConfigKey<List<String>> SERVER_PORTS =
      key(
          "polaris.grpc.server.ports",
          "",
          ValueType.LIST,
          "If set, only servers listening on one of these ports register (for apps with a separate admin or"
              + " health server that also exposes business services). Invalid entries are ignored with an ERROR;"
              + " if none is valid, no server registers.");
  public static final ConfigKey<Long> SERVER_WARMUP =
      key(
          "polaris.grpc.server.warmup",
          "0",
          ValueType.DURATION_MILLIS,
          "Delay between a server's start() and its registration.");
  public static final ConfigKey<Long> SERVER_SHUTDOWN_DELAY =
      key(
          "polaris.grpc.server.shutdown-delay",
          "6s",
          ValueType.DURATION_MILLIS,
          "On shutdown()/shutdownNow()/JVM exit, time a server keeps serving after deregistering, so that"
              + " consumers stop sending to it first. Polaris publishes a deregistration to consumers when its"
              + " heartbeat checker expires the instance: 9 to 12 s measured; calls that come after the drain"
              + " find the server gone and go to other instances. Waited once per server, and only if it was"
              + " registered.");
  public static final ConfigKey<Boolean> SERVER_REPORT_CONTRACT =
      flag(
          "polaris.grpc.server.report-contract",
          true,
          "Once a server has registered, report its gRPC methods to Polaris as the contract of each service it"
              + " registers as (protocol grpc; one interface per method, path /pkg.Service/Method), once per"
              + " server start; what the Polaris console lists as the service's interfaces.");

  public static final ConfigKey<Boolean> SERVER_HEALTH_AWARE =
      flag(
          "polaris.grpc.server.health-aware",
          true,
          "For a server that exposes grpc.health.v1.Health (HealthStatusManager or its own): register it"
              + " once its overall status (service \"\") is SERVING, put it out of rotation (weight 0) while"
              + " NOT_SERVING and back once SERVING; read in process every second. No health service: no"
              + " change.");
  public static final ConfigKey<Long> SERVER_HEALTH_WAIT =
      key(
          "polaris.grpc.server.health-wait",
          "30s",
          ValueType.DURATION_MILLIS,
          "How long a health-aware server's first registration waits for SERVING, from its first check"
              + " (after the warmup); then it registers anyway, with one WARN.");

  // ---- gRPC channels
  public static final ConfigKey<Map<String, String>> CLIENT_TARGET_MAPPING =
      entries(
          "polaris.grpc.client.target-mapping",
          "Maps existing channel targets to Polaris services, e.g. echo.internal:50051=echo or"
              + " dns:///echo:50051=polaris://echo?namespace=test. A dns:/// prefix is ignored when matching.");
  public static final ConfigKey<Boolean> CLIENT_KEEP_AUTHORITY =
      flag(
          "polaris.grpc.client.keep-authority",
          true,
          "A mapped channel keeps the authority of its original target (for TLS and :authority); false uses"
              + " the Polaris service name.");
  public static final ConfigKey<List<String>> PROPAGATE_HEADERS =
      key(
          "polaris.grpc.propagate-headers",
          "",
          ValueType.HEADER_NAMES,
          "Request headers (e.g. x-env,x-lane) that a call to any gRPC server of this application carries on to"
              + " every Polaris channel call its handler makes in the call's gRPC Context (same thread, or"
              + " Context-wrapped executors), for routing rules further down the chain; a header the"
              + " application sets on the outgoing call wins. Empty: nothing is captured or added.");
  public static final ConfigKey<String> LOAD_BALANCER =
      key(
          "polaris.loadbalancer",
          "weighted_random",
          ValueType.oneOf("weighted_random", "round_robin", "ring_hash", "maglev"),
          "Load-balancing policy of Polaris channels.");
  public static final ConfigKey<String> LOAD_BALANCER_HASH_HEADER =
      key(
          "polaris.loadbalancer.hash-header",
          "",
          ValueType.HEADER_NAME,
          "Request header whose value is the hash key of ring_hash and maglev; calls without it pick at random.");
  public static final ConfigKey<Long> LOAD_BALANCER_WARMUP =
      key(
          "polaris.loadbalancer.warmup",
          "0",
          ValueType.DURATION_MILLIS,
          "Slow start (0: off): during this window from an instance's creation time in Polaris, its weight"
              + " grows in a straight line from 10% to all of it (round_robin: its part of a turn). Not for"
              + " ring_hash and maglev. Servers and consumers need the same time zone; a creation time up to"
              + " 10 min ahead counts as now, one unknown or further ahead as warm.");
  public static final ConfigKey<Integer> LOAD_BALANCER_SUBSET_SIZE =
      key(
          "polaris.loadbalancer.subset-size",
          "0",
          ValueType.intRange(0, 100000),
          "Deterministic subsetting (0: off): each Polaris channel connects to this many of a service's"
              + " instances (and to more while some of them cannot be reached), a stable subset that the"
              + " channels of an application share out evenly and that loses at most two instances when"
              + " one comes or goes. Not while routing rules apply to the service (then every instance is"
              + " connected).");

  // ---- governance
  public static final ConfigKey<Boolean> CIRCUIT_BREAKER_ENABLED =
      flag(
          "polaris.circuitbreaker.enabled",
          true,
          "Circuit breaking of Polaris channels: call outcomes are reported and broken instances get no calls.");
  public static final ConfigKey<List<String>> CIRCUIT_BREAKER_FAILURE_CODES =
      key(
          "polaris.circuitbreaker.failure-codes",
          "UNAVAILABLE,DEADLINE_EXCEEDED,INTERNAL,UNKNOWN",
          ValueType.STATUS_CODES,
          "gRPC status codes that count as failures for circuit breaking; other codes count as successes.");
  public static final ConfigKey<Boolean> RATE_LIMIT_ENABLED =
      flag(
          "polaris.ratelimit.enabled",
          true,
          "Rate limiting of calls to this application's gRPC servers (unary and streaming) by the Polaris"
              + " rate-limit rules of the services they register as; a call over quota fails with"
              + " RESOURCE_EXHAUSTED. Rule methods are gRPC paths such as /echo.Echo/Echo. While Polaris cannot"
              + " tell, calls pass.");

  public static final ConfigKey<Map<String, String>> ROUTER_METADATA =
      entries(
          "polaris.router.metadata",
          "Metadata routing: calls go only to instances that have all these metadata entries (all"
              + " instances if none has them); single entries also as polaris.router.metadata.<name>=<value>.");
  public static final ConfigKey<Boolean> ROUTER_NEARBY =
      flag(
          "polaris.router.nearby.enabled",
          false,
          "Nearby routing: prefer instances in this application's zone (polaris.location.*), falling back to"
              + " farther ones when the zone has none.");
  public static final ConfigKey<Map<String, String>> ROUTER_LABELS =
      entries(
          "polaris.router.labels",
          "Custom labels every call carries for rule routing, besides the method, the request headers and the"
              + " caller; single entries also as polaris.router.labels.<name>=<value>.");

  // ---- metrics
  public static final ConfigKey<Integer> METRICS_PORT =
      key(
          "polaris.metrics.port",
          "",
          ValueType.OPTIONAL_PORT,
          "Port of the agent's metrics endpoint: GET /metrics answers in the Prometheus text format"
              + " (0.0.4). Empty: metrics are off, no port is opened and calls count nothing. 0: a free"
              + " port. The agent says where it listens in one INFO line; if it cannot listen, one ERROR"
              + " line and metrics stay off.");
  public static final ConfigKey<String> METRICS_HOST =
      key(
          "polaris.metrics.host",
          "127.0.0.1",
          ValueType.STRING,
          "Address the metrics endpoint binds to; 0.0.0.0 makes it reachable from other hosts.");
  public static final ConfigKey<Integer> METRICS_MAX_SERIES =
      key(
          "polaris.metrics.max-series",
          "1000",
          ValueType.intRange(1, 100000),
          "Most series (label sets) each metric keeps; past it, new ones keep namespace and service"
              + " and count under _overflow_ for other labels (said once per metric, WARN).");

  // ---- logging
  public static final ConfigKey<String> LOG_LEVEL =
      key(
          "polaris.log.level",
          "info",
          ValueType.oneOf("error", "warn", "info", "debug"),
          "Level of the agent's own log lines, written to stderr with the prefix [polaris-agent].");
  public static final ConfigKey<String> SDK_LOG_FILE =
      key(
          "polaris.log.sdk.file",
          "${java.io.tmpdir}/polaris-agent-${user.name}/polaris-sdk.log",
          ValueType.STRING,
          "File the Polaris SDK logs to (appended, rotated at 10 MB), with polaris.token masked. Never the"
              + " application's logging. Its directory is made readable by the current user only; one that"
              + " is a symbolic link or belongs to another user is refused.");
  public static final ConfigKey<String> SDK_LOG_LEVEL =
      key(
          "polaris.log.sdk.level",
          "info",
          ValueType.oneOf("error", "warn", "info", "debug"),
          "Level of the Polaris SDK's log lines in polaris.log.sdk.file.");

  private final Map<ConfigKey<?>, Object> values;
  private final List<Map<String, String>> sources;
  private final List<String> errors;
  private final boolean disconnected;

  AgentConfig(
      Map<ConfigKey<?>, Object> values,
      List<Map<String, String>> sources,
      List<String> errors,
      boolean disconnected) {
    this.values = values;
    this.sources = sources;
    this.errors = Collections.unmodifiableList(errors);
    this.disconnected = disconnected;
  }

  /** Every declared key, in declaration order. */
  public static List<ConfigKey<?>> keys() {
    return KeyDeclarations.all();
  }

  /** The value of a key. */
  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return (T) values.get(key);
  }

  /** One message per invalid value found while loading: key, value and what is accepted. */
  public List<String> errors() {
    return errors;
  }

  /** True when a value the Polaris connection depends on is invalid: Polaris is not contacted. */
  public boolean disconnected() {
    return disconnected;
  }

  /** Loads the configuration from the process's own sources. */
  public static AgentConfig load(String agentArgs) {
    return load(agentArgs, System.getProperties(), System.getenv());
  }

  /** Loads the configuration from the given sources, highest precedence first. */
  public static AgentConfig load(
      String agentArgs, Properties systemProperties, Map<String, String> env) {
    return ConfigResolution.resolve(agentArgs, systemProperties, env, keys());
  }

  /**
   * Entries such as {@code polaris.metadata.<name>=value} (not from the environment) merged with
   * the map value of the key named like the prefix; the higher-precedence source wins per entry.
   */
  public Map<String, String> entriesUnder(ConfigKey<Map<String, String>> mapKey) {
    String prefix = mapKey.name() + ".";
    Map<String, String> result = new LinkedHashMap<>(get(mapKey));
    for (int i = sources.size() - 1; i >= 0; i--) {
      for (Map.Entry<String, String> entry : sources.get(i).entrySet()) {
        if (entry.getKey().startsWith(prefix) && entry.getKey().length() > prefix.length()) {
          result.put(entry.getKey().substring(prefix.length()), entry.getValue().trim());
        }
      }
    }
    return Collections.unmodifiableMap(result);
  }
}
