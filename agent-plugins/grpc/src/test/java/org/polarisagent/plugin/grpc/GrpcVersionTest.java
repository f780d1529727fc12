package org.polarisagent.plugin.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GrpcVersionTest {

  @Test
  void supportsOneThirtyAndLater() {
    assertTrue(GrpcVersion.supported("1.30.0"));
    assertTrue(GrpcVersion.supported("1.85.1"));
    assertTrue(GrpcVersion.supported("1.86.0-SNAPSHOT"));
    assertTrue(GrpcVersion.supported("2.0.0"));
    assertFalse(GrpcVersion.supported("1.29.0"));
    assertFalse(GrpcVersion.supported("unknown"));
  }

  @Test
  void readsTheVersionOfTheOldestSupportedGrpc() {
    // The test class path has the oldest supported gRPC (1.30.2), whose
    // GrpcUtil.IMPLEMENTATION_VERSION field is private: the version must come from
    // GrpcUtil.getGrpcBuildVersion().
    String version = GrpcVersion.of(GrpcVersionTest.class.getClassLoader());
    assertTrue(version.matches("1\\.\\d+\\.\\d+"), version);
    assertTrue(GrpcVersion.supported(version), version);
  }
}
