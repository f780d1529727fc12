package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The SDK the agent ships keeps its connections where {@link PolarisConnections} reads them: fails
 * when an SDK upgrade moves them (the metrics would otherwise lose the connection states with one
 * WARN at run time).
 */
class PolarisConnectionsTest {

  @Test
  void theShippedSdkKeepsItsConnectionsWhereTheyAreRead() throws Exception {
    PolarisConnections.Fields fields = PolarisConnections.fields();

    assertEquals(Map.class, fields.serverAddresses.getType());
    assertEquals(AtomicReference.class, fields.current.getType());
    assertEquals(
        "com.tencent.polaris.plugins.connector.grpc.ConnectionManager",
        fields.serverAddresses.getDeclaringClass().getName());
  }
}
