package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import org.junit.jupiter.api.Test;

/**
 * The SDK classes whose JVM properties go through {@link SdkProperties}, as the dist build does.
 */
class SystemPropertyRewriteTest {

  private static final String LOG_HOME = "polaris.log.home";

  @Test
  void theSdksNettyReadsTheAgentsValues() throws Exception {
    Class<?> util =
        ClassFiles.rewritten(SystemPropertyRewrite.CLASSES[0], SystemPropertyRewrite::rewrite);
    Object threads =
        util.getMethod("getInt", String.class, int.class)
            .invoke(null, "shade.polaris.io.netty.eventLoopThreads", 16);
    assertEquals(1, threads);
    System.setProperty("shade.polaris.io.netty.eventLoopThreads", "5");
    try {
      assertEquals(
          5,
          util.getMethod("getInt", String.class, int.class)
              .invoke(null, "shade.polaris.io.netty.eventLoopThreads", 16));
    } finally {
      System.clearProperty("shade.polaris.io.netty.eventLoopThreads");
    }
  }

  @Test
  void theSdksLoggingSetsItsLogHomeForItselfOnly() throws Exception {
    // Other tests of this JVM start the SDK as polaris-all ships it, which sets the property.
    String before = System.clearProperty(LOG_HOME);
    try {
      Class<?> logging =
          ClassFiles.rewritten(SystemPropertyRewrite.CLASSES[3], SystemPropertyRewrite::rewrite);
      Class.forName(logging.getName(), true, logging.getClassLoader());
      assertNull(System.getProperty(LOG_HOME));
      assertEquals(
          System.getProperty("user.dir") + File.separator + "polaris" + File.separator + "logs",
          SdkProperties.get(LOG_HOME));
    } finally {
      if (before != null) {
        System.setProperty(LOG_HOME, before);
      }
    }
  }

  @Test
  void aClassThatTouchesNoPropertyIsRefused() {
    byte[] none = ClassFiles.bytes("shade.polaris.io.netty.util.ReferenceCounted");
    assertThrows(IllegalArgumentException.class, () -> SystemPropertyRewrite.rewrite(none));
  }
}
