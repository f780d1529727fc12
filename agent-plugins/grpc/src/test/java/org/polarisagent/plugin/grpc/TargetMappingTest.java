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
  void aTargetWithAnotherSchemeKeepsItsUriAuthorityNotTheWholeTarget() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("static://127.0.0.1:9090", "echo");
    entries.put("xds:///greeter", "greeter");
    TargetMapping mapping = new TargetMapping(entries, "default", true);
    assertEquals(
        "127.0.0.1:9090",
        PolarisTarget.parse(mapping.map("static://127.0.0.1:9090"), "default").authority());
    assertEquals(
        "greeter", PolarisTarget.parse(mapping.map("xds:///greeter"), "default").authority());
  }

  @Test
  void plainTargetsAreTheirOwnAuthority() {
    assertEquals("echo.internal:50051", TargetMapping.authorityOf("echo.internal:50051"));
    assertEquals("127.0.0.1:50051", TargetMapping.authorityOf("127.0.0.1:50051"));
    assertEquals("[::1]:50051", TargetMapping.authorityOf("[::1]:50051"));
    assertEquals("echo.internal:50051", TargetMapping.authorityOf("echo.internal:50051?x=1"));
  }

  /** What plain gRPC 1.85.1's channel.authority() gives for each form. */
  @Test
  void otherSchemesAnnounceWhatTheirResolversDo() {
    assertEquals("greeter", TargetMapping.authorityOf("xds://td.example.com/greeter"));
    assertEquals("greeter", TargetMapping.authorityOf("xds:///greeter"));
    assertEquals("127.0.0.1:9090", TargetMapping.authorityOf("static://127.0.0.1:9090"));
    assertEquals("/tmp/s.sock", TargetMapping.authorityOf("unix:/tmp/s.sock"));
    assertEquals("/tmp/s.sock", TargetMapping.authorityOf("unix:///tmp/s.sock"));
    assertEquals("relative.sock", TargetMapping.authorityOf("unix:relative.sock"));
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
