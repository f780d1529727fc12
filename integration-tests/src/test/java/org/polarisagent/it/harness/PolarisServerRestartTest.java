package org.polarisagent.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.polarisagent.testing.PolarisOpenApi;

/**
 * The extension stops and starts the same server again, as an outage test needs; also shows the
 * {@code @ExtendWith} + parameter style of use.
 */
@ExtendWith(PolarisServerExtension.class)
class PolarisServerRestartTest {

  @Test
  void restartsOnTheSamePortsWithAnEmptyStore(PolarisServerExtension polaris) {
    PolarisOpenApi api = polaris.openApi();
    String grpcAddress = polaris.grpcAddress();
    int httpPort = polaris.httpPort();
    api.createService("before-restart", "default");
    assertEquals(
        1,
        api.get("/naming/v1/services?name=before-restart&namespace=default")
            .get("amount")
            .getAsInt());

    polaris.stop();
    assertFalse(polaris.isRunning());
    assertThrows(
        UncheckedIOException.class,
        () -> api.listInstances("before-restart", "default"),
        "the OpenAPI must be down");

    polaris.start();
    System.out.println("[harness] restart took " + polaris.lastStartDuration().toMillis() + " ms");
    assertTrue(polaris.isRunning());
    assertEquals(grpcAddress, polaris.grpcAddress());
    assertEquals(httpPort, polaris.httpPort());
    assertEquals(List.of(), polaris.openApi().listInstances("before-restart", "default"));
    assertEquals(
        0,
        polaris
            .openApi()
            .get("/naming/v1/services?name=before-restart&namespace=default")
            .get("amount")
            .getAsInt(),
        "the store starts empty after a restart");
    assertTrue(
        Files.exists(polaris.runDir().resolve("polaris-server-1.log")), "first run's log kept");
  }
}
