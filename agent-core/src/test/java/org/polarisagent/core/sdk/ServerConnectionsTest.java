package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The SDK the agent ships keeps its connections where {@link ServerConnections} reads them: fails
 * when an SDK upgrade moves them (the metrics would otherwise lose the connection states with one
 * WARN at run time).
 */
class ServerConnectionsTest {

  @Test
  void theShippedSdkKeepsItsConnectionsWhereTheyAreRead() throws Exception {
    ServerConnections.Fields fields = ServerConnections.fields();

    assertEquals(Map.class, fields.serverAddresses.getType());
    assertEquals(AtomicReference.class, fields.current.getType());
    assertEquals(
        "com.tencent.polaris.plugins.connector.grpc.ConnectionManager",
        fields.serverAddresses.getDeclaringClass().getName());
  }
}
