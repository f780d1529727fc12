package org.polarisagent.plugin.grpc.adapter.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ApplicationGrpcChannelsTest {

  /**
   * A server named like a scheme ({@code polaris:8091} is the scheme {@code polaris} to gRPC, whose
   * resolver the agent registers) must still be resolved by DNS.
   */
  @Test
  void theTargetIsAlwaysResolvedByDns() {
    assertEquals("dns:///polaris:8091", ApplicationGrpcChannels.target("polaris", 8091));
    assertEquals("dns:///127.0.0.1:8091", ApplicationGrpcChannels.target("127.0.0.1", 8091));
    assertEquals("dns:///[::1]:8091", ApplicationGrpcChannels.target("::1", 8091));
    assertEquals("dns:///[::1]:8091", ApplicationGrpcChannels.target("[::1]", 8091));
  }
}
