package org.polarisagent.plugin.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PolarisTargetTest {

  @Test
  void plainServiceUsesTheDefaultNamespaceAndItsOwnAuthority() {
    PolarisTarget target = PolarisTarget.parse("polaris://echo", "default");
    assertEquals("echo", target.service());
    assertEquals("default", target.namespace());
    assertEquals("echo", target.authority());
  }

  @Test
  void namespaceParameterPortAndTripleSlashFormAreAccepted() {
    PolarisTarget target =
        PolarisTarget.parse("polaris://my_svc-1.v2:8080?namespace=prod", "default");
    assertEquals("my_svc-1.v2", target.service());
    assertEquals("prod", target.namespace());
    assertEquals("my_svc-1.v2:8080", target.authority());
    assertEquals("echo", PolarisTarget.parse("polaris:///echo", "ns").service());
  }

  @Test
  void formattedTargetsRoundTripWithTheirAuthority() {
    String formatted = PolarisTarget.format("echo", "test ns", "echo.internal:50051");
    PolarisTarget target = PolarisTarget.parse(formatted, "default");
    assertEquals("echo", target.service());
    assertEquals("test ns", target.namespace());
    assertEquals("echo.internal:50051", target.authority());
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
}
