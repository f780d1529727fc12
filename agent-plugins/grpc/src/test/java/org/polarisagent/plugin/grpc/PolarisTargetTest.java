package org.polarisagent.plugin.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PolarisTargetTest {

  @Test
  void plainServiceUsesTheDefaultNamespaceAndItsOwnAuthority() {
    assertTarget("echo", "default", "echo", PolarisTarget.parse("polaris://echo", "default"));
  }

  @Test
  void namespaceParameterPortAndTripleSlashFormAreAccepted() {
    assertTarget(
        "my_svc-1.v2",
        "prod",
        "my_svc-1.v2:8080",
        PolarisTarget.parse("polaris://my_svc-1.v2:8080?namespace=prod", "default"));
    assertEquals("echo", PolarisTarget.parse("polaris:///echo", "ns").service());
  }

  @Test
  void formattedTargetsRoundTripWithTheirAuthority() {
    String formatted = PolarisTarget.format("echo", "test ns", "echo.internal:50051");
    assertTarget(
        "echo", "test ns", "echo.internal:50051", PolarisTarget.parse(formatted, "default"));
  }

  @Test
  void malformedTargetsAreRejectedWithTheExpectedForm() {
    IllegalArgumentException badName =
        assertThrows(
            IllegalArgumentException.class,
            () -> PolarisTarget.parse("polaris://ec/ho", "default"));
    assertTrue(badName.getMessage().contains("expected polaris://<service>"), badName.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> PolarisTarget.parse("polaris://echo:port", "default"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PolarisTarget.parse("polaris://echo?zone=a", "default"));
    assertThrows(
        IllegalArgumentException.class, () -> PolarisTarget.parse("polaris://", "default"));
    assertFalse(PolarisTarget.isPolaris("dns:///echo"));
  }

  private static void assertTarget(
      String service, String namespace, String authority, PolarisTarget target) {
    assertEquals(service, target.service());
    assertEquals(namespace, target.namespace());
    assertEquals(authority, target.authority());
  }
}
