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
}
