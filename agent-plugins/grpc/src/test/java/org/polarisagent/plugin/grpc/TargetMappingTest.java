package org.polarisagent.plugin.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetMappingTest {

  private static TargetMapping mapping(boolean keepAuthority) {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("echo.internal:50051", "echo");
    entries.put("dns:///greeter:443", "polaris://greeter?namespace=prod");
    return new TargetMapping(entries, "default", keepAuthority);
  }

  @Test
  void mappedTargetsMatchWithOrWithoutTheDnsScheme() {
    TargetMapping mapping = mapping(true);
    String expected = "polaris://echo?namespace=default&authority=echo.internal%3A50051";
    assertEquals(expected, mapping.map("echo.internal:50051"));
    assertEquals(expected, mapping.map("dns:///echo.internal:50051"));
    assertEquals(expected, mapping.map("dns://8.8.8.8/echo.internal:50051"));
    assertEquals(expected, mapping.map("echo.internal", 50051));
    assertEquals(
        "polaris://greeter?namespace=prod&authority=greeter%3A443", mapping.map("greeter:443"));
  }

  @Test
  void unmappedTargetsStayAsTheyAre() {
    assertNull(mapping(true).map("echo.internal:50052"));
    assertNull(mapping(true).map("other", 50051));
  }

  @Test
  void withoutKeepingTheAuthorityTheServiceNameIsAnnounced() {
    PolarisTarget target =
        PolarisTarget.parse(mapping(false).map("echo.internal:50051"), "default");
    assertEquals("echo", target.authority());
  }
}
