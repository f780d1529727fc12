package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceHostTest {

  private final List<String> probed = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();

  private InstanceHost.RouteProbe probeAnswering(String local) {
    return (host, port) -> {
      probed.add(host + ":" + port);
      return local == null ? null : InetAddress.getByName(local);
    };
  }

  private static InetAddress address(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  @Test
  void theConfiguredHostWinsOverEverything() throws Exception {
    env.put("POD_IP", "10.0.0.9");
    InstanceHost hosts =
        new InstanceHost("svc.example", env, "10.0.0.1:8091", probeAnswering("10.0.0.5"));

    assertEquals("svc.example", hosts.hostFor(address("127.0.0.1")));
    assertEquals("svc.example", hosts.hostFor(null));
    assertEquals(Collections.emptyList(), probed);
  }

  @Test
  void aSpecificBoundAddressIsUsedAsIs() throws Exception {
    env.put("POD_IP", "10.0.0.9");
    InstanceHost hosts = new InstanceHost("", env, "10.0.0.1:8091", probeAnswering("10.0.0.5"));

    assertEquals("127.0.0.1", hosts.hostFor(address("127.0.0.1")));
    assertEquals("192.168.1.7", hosts.hostFor(address("192.168.1.7")));
  }

  @Test
  void aWildcardBindingUsesThePodAddressFirst() throws Exception {
    env.put("HOST_IP", "10.0.0.8");
    env.put("POD_IP", "10.0.0.9");
    InstanceHost hosts = new InstanceHost("", env, "10.0.0.1:8091", probeAnswering("10.0.0.5"));

    assertEquals("10.0.0.9", hosts.hostFor(address("0.0.0.0")));
    env.remove("POD_IP");
    assertEquals("10.0.0.9", hosts.hostFor(null), "detected once");
    assertEquals(Collections.emptyList(), probed);
  }

  @Test
  void theHostAddressIsUsedWithoutAPodAddress() throws Exception {
    env.put("HOST_IP", "10.0.0.8");
    env.put("POD_IP", " ");

    assertEquals("10.0.0.8", new InstanceHost("", env, "", probeAnswering(null)).hostFor(null));
  }

  @Test
  void otherwiseTheInterfaceRoutingToPolarisIsUsedOnce() throws Exception {
    InstanceHost hosts =
        new InstanceHost("", env, "polaris.example:8091", probeAnswering("10.0.0.5"));

    assertEquals("10.0.0.5", hosts.hostFor(address("0.0.0.0")));
    assertEquals("10.0.0.5", hosts.hostFor(address("::")));
    assertEquals(Collections.singletonList("polaris.example:8091"), probed);
  }

  @Test
  void anIpv6PolarisAddressIsProbedWithoutBrackets() throws Exception {
    InstanceHost hosts = new InstanceHost("", env, "[::1]:8091", probeAnswering("::1"));

    assertEquals("0:0:0:0:0:0:0:1", hosts.hostFor(null));
    assertEquals(Collections.singletonList("::1:8091"), probed);
  }

  @Test
  void wildcardsAreNeverRegistered() throws Exception {
    env.put("POD_IP", "0.0.0.0");
    InstanceHost hosts =
        new InstanceHost("0.0.0.0", env, "10.0.0.1:8091", probeAnswering("0.0.0.0"));

    String host = hosts.hostFor(address("0.0.0.0"));

    assertNotEquals("0.0.0.0", host);
    assertEquals(Collections.singletonList("10.0.0.1:8091"), probed);
  }

  @Test
  void aFailingProbeFallsBackToALocalAddress() throws Exception {
    InstanceHost hosts =
        new InstanceHost(
            "",
            env,
            "10.0.0.1:8091",
            (host, port) -> {
              throw new java.net.SocketException("Network is unreachable");
            });

    String host = hosts.hostFor(null);

    assertNotEquals("0.0.0.0", host);
    assertNotEquals("", host);
  }

  @Test
  void anIpv6ScopeIsDropped() throws Exception {
    InetAddress scoped = InetAddress.getByName("fe80::1%1");

    assertEquals(
        "fe80:0:0:0:0:0:0:1", new InstanceHost("", env, "", probeAnswering(null)).hostFor(scoped));
  }
}
