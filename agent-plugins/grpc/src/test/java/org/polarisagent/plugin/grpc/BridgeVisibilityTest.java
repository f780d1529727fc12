package org.polarisagent.plugin.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

class BridgeVisibilityTest {

  @Test
  void grpcOnTheClassPathOfALoaderThatDelegatesSeesTheBridge() {
    assertTrue(BridgeVisibility.from(getClass().getClassLoader(), "io.grpc.Grpc"));
  }

  @Test
  void theBootstrapLoaderAndALoaderThatDoesNotDelegateDoNot() throws Exception {
    assertFalse(BridgeVisibility.from(null, "io.grpc.Grpc"));
    try (URLClassLoader isolated = new URLClassLoader(new URL[0], null)) {
      assertFalse(BridgeVisibility.from(isolated, "io.grpc.Grpc"));
    }
  }

  @Test
  void aPackageOfAnExplicitModuleCannotReadTheClassPath() {
    assertTrue(BridgeVisibility.inExplicitModule("java.util"), "java.base is an explicit module");
    assertFalse(BridgeVisibility.inExplicitModule("io.grpc"), "gRPC sits on the class path here");
    assertFalse(
        BridgeVisibility.from(getClass().getClassLoader(), "java.util.Fake"),
        "a class of an explicit module");
  }
}
