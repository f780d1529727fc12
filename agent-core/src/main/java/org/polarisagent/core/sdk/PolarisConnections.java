package org.polarisagent.core.sdk;

import com.tencent.polaris.api.config.global.ClusterType;
import com.tencent.polaris.api.plugin.server.ServerConnector;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.plugins.connector.common.DestroyableServerConnector;
import com.tencent.polaris.plugins.connector.composite.CompositeConnector;
import com.tencent.polaris.plugins.connector.grpc.Connection;
import com.tencent.polaris.plugins.connector.grpc.GrpcConnector;
import java.lang.reflect.Field;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.polarisagent.core.logging.AgentLog;

/**
 * The state of the SDK's gRPC connections to the Polaris server, one per purpose (discovery, health
 * check, ...), as gRPC sees it ({@code ready}, {@code connecting}, {@code transient_failure},
 * {@code idle}, {@code shutdown}). Read without side effects: no connection is made and none is
 * held.
 *
 * <p>The SDK keeps its current connection of each purpose in private fields of its gRPC connector's
 * connection manager; they are read by reflection, which works for the SDK version the agent ships
 * ({@code PolarisConnectionsTest} fails if that SDK changes them). If they cannot be read, one WARN
 * line and no states. Thread-safe.
 */
public final class PolarisConnections {

  private static volatile Fields fields;
  private static volatile boolean unreadable;

  private PolarisConnections() {}

  /**
   * The state of each current connection, by purpose ({@code service_discover}, {@code
   * health_check}, ...: the SDK's cluster type, lower case, without {@code _cluster}); empty before
   * the SDK made any, or if they cannot be read.
   */
  public static Map<String, String> states(SDKContext context) {
    Map<String, String> states = new TreeMap<>();
    if (unreadable) {
      return states;
    }
    try {
      GrpcConnector connector = grpcConnector(context.getExtensions().getServerConnector());
      if (connector == null || connector.getConnectionManager() == null) {
        return states;
      }
      Fields read = fields();
      Map<?, ?> byCluster = (Map<?, ?>) read.serverAddresses.get(connector.getConnectionManager());
      for (Map.Entry<?, ?> entry : byCluster.entrySet()) {
        Object current = ((AtomicReference<?>) read.current.get(entry.getValue())).get();
        if (current instanceof Connection) {
          states.put(
              clusterName((ClusterType) entry.getKey()),
              ((Connection) current).getChannel().getState(false).name().toLowerCase(Locale.ROOT));
        }
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      unreadable = true;
      states.clear();
      AgentLog.warn(
          "cannot read the Polaris SDK's connection states, the metrics leave them out: " + e);
    }
    return states;
  }

  private static GrpcConnector grpcConnector(ServerConnector connector) {
    if (connector instanceof GrpcConnector) {
      return (GrpcConnector) connector;
    }
    if (connector instanceof CompositeConnector) {
      for (DestroyableServerConnector each :
          ((CompositeConnector) connector).getServerConnectors()) {
        if (each instanceof GrpcConnector) {
          return (GrpcConnector) each;
        }
      }
    }
    return null;
  }

  private static String clusterName(ClusterType type) {
    String name = type.name().toLowerCase(Locale.ROOT);
    return name.endsWith("_cluster")
        ? name.substring(0, name.length() - "_cluster".length())
        : name;
  }

  static Fields fields() throws ReflectiveOperationException {
    Fields read = fields;
    if (read == null) {
      read = new Fields();
      fields = read;
    }
    return read;
  }

  /** The private fields read: the manager's connections by cluster, and each one's current. */
  static final class Fields {
    final Field serverAddresses;
    final Field current;

    Fields() throws ReflectiveOperationException {
      serverAddresses =
          Class.forName(
                  "com.tencent.polaris.plugins.connector.grpc.ConnectionManager",
                  false,
                  PolarisConnections.class.getClassLoader())
              .getDeclaredField("serverAddresses");
      serverAddresses.setAccessible(true);
      current =
          Class.forName(
                  "com.tencent.polaris.plugins.connector.grpc.ConnectionManager$ServerAddressList",
                  false,
                  PolarisConnections.class.getClassLoader())
              .getDeclaredField("curConnectionValue");
      current.setAccessible(true);
    }
  }
}
