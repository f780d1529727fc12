package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The SDK classes whose JDK calls go to the agent's methods, rewritten as the dist build does. */
class SdkCallRedirectTest {

  private static final String LOG_HOME = "polaris.log.home";

  @Test
  void theSdksNettyReadsTheAgentsValues() throws Exception {
    Class<?> util = ClassFiles.rewritten(SdkCallRedirect.CLASSES[0], SdkCallRedirect::rewrite);
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
  void theSdksGrpcLeavesTheSizeOfItsEventLoopGroupToTheSdksNetty() throws Exception {
    Class<?> resource = ClassFiles.rewritten(SdkCallRedirect.CLASSES[3], SdkCallRedirect::rewrite);
    Class<?> groupType =
        resource.getClassLoader().loadClass("shade.polaris.io.grpc.netty.Utils$EventLoopGroupType");
    Constructor<?> constructor =
        resource.getDeclaredConstructor(int.class, String.class, groupType);
    constructor.setAccessible(true);
    Object made = constructor.newInstance(0, "test", groupType.getEnumConstants()[0]);
    Field loops = resource.getDeclaredField("numEventLoops");
    loops.setAccessible(true);
    // 0: netty's default, which the SDK's netty reads as 1 (without the rewrite: one a core).
    assertEquals(0, loops.get(made));
  }

  @Test
  void theSdksLoggingSetsItsLogHomeForItselfOnly() throws Exception {
    // Other tests of this JVM start the SDK as polaris-all ships it, which sets the property.
    String before = System.clearProperty(LOG_HOME);
    try {
      Class<?> logging = ClassFiles.rewritten(SdkCallRedirect.CLASSES[5], SdkCallRedirect::rewrite);
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
  void theSdksGrpcExecutorLetsIdleThreadsGoSoon() throws Exception {
    Class<?> resource = ClassFiles.rewritten(SdkCallRedirect.CLASSES[6], SdkCallRedirect::rewrite);
    Constructor<?> constructor = resource.getDeclaredConstructor();
    constructor.setAccessible(true);
    Method create = resource.getMethod("create");
    create.setAccessible(true);
    Object made = create.invoke(constructor.newInstance());
    ThreadPoolExecutor executor = (ThreadPoolExecutor) made;
    try {
      assertEquals(SdkThreadPools.IDLE_SECONDS, executor.getKeepAliveTime(TimeUnit.SECONDS));
      assertEquals(Integer.MAX_VALUE, executor.getMaximumPoolSize());
      assertEquals(
          "grpc-default-executor-0", executor.submit(() -> Thread.currentThread().getName()).get());
    } finally {
      executor.shutdown();
    }
  }

  @Test
  void aClassThatTouchesNoPropertyIsRefused() {
    byte[] none = ClassFiles.bytes("shade.polaris.io.netty.util.ReferenceCounted");
    assertThrows(IllegalArgumentException.class, () -> SdkCallRedirect.rewrite(none));
  }
}
