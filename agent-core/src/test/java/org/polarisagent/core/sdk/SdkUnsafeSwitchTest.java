package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/**
 * The switch added to the SDK's protobuf and guava: on, they run without {@code sun.misc.Unsafe};
 * off, as before. Each case loads the SDK's classes afresh, the two rewritten as the dist build
 * rewrites them.
 */
class SdkUnsafeSwitchTest {

  @Test
  void protobufFindsNoUnsafeOnlyWhenTheSwitchIsOn() throws Exception {
    assertEquals(false, withSwitch(true, () -> protobufHasUnsafe()));
    assertEquals(true, withSwitch(false, () -> protobufHasUnsafe()));
  }

  @Test
  void guavaFuturesUseFieldUpdatersOnlyWhenTheSwitchIsOn() throws Exception {
    assertEquals("SafeAtomicHelper", withSwitch(true, () -> guavaHelper()));
    assertEquals("UnsafeAtomicHelper", withSwitch(false, () -> guavaHelper()));
  }

  @Test
  void aClassWithoutTheMethodOrWithTheSwitchAlreadyIsRefused() {
    byte[] protobuf = ClassFiles.bytes(SdkUnsafeSwitch.PROTOBUF);
    assertThrows(
        IllegalArgumentException.class,
        () -> SdkUnsafeSwitch.rewrite(protobuf, "getUnsafe", "()Ljava/lang/Object;"));
    byte[] switched = SdkUnsafeSwitch.rewrite(protobuf, "getUnsafe", "()Lsun/misc/Unsafe;");
    assertThrows(
        IllegalArgumentException.class,
        () -> SdkUnsafeSwitch.rewrite(switched, "getUnsafe", "()Lsun/misc/Unsafe;"));
  }

  /** Whether protobuf's array operations go through Unsafe, with the switch on or off. */
  private static Object protobufHasUnsafe() throws Exception {
    Class<?> util = Class.forName(SdkUnsafeSwitch.PROTOBUF, true, freshSdkLoader());
    Method method = util.getDeclaredMethod("hasUnsafeArrayOperations");
    method.setAccessible(true);
    return method.invoke(null);
  }

  /** The simple name of the helper guava's futures chose; a future also completes. */
  private static Object guavaHelper() throws Exception {
    ClassLoader loader = freshSdkLoader();
    Class<?> future = Class.forName(SdkUnsafeSwitch.GUAVA, true, loader);
    Field helper = future.getDeclaredField("ATOMIC_HELPER");
    helper.setAccessible(true);
    Class<?> settable =
        Class.forName(
            "shade.polaris.com.google.common.util.concurrent.SettableFuture", true, loader);
    Object value = settable.getMethod("create").invoke(null);
    settable.getMethod("set", Object.class).invoke(value, "done");
    assertEquals("done", ((java.util.concurrent.Future<?>) value).get());
    return helper.get(null).getClass().getSimpleName();
  }

  private interface Check {
    Object run() throws Exception;
  }

  /** Runs the check with the switch set by the user, which wins over the agent's choice. */
  private static Object withSwitch(boolean on, Check check) throws Exception {
    System.setProperty(SdkUnsafeSwitch.PROPERTY, String.valueOf(on));
    try {
      return check.run();
    } finally {
      System.clearProperty(SdkUnsafeSwitch.PROPERTY);
    }
  }

  /**
   * Loads the SDK's relocated classes itself, the two with the switch; the agent's from this test's
   * loader; the JDK's from the JDK.
   */
  private static ClassLoader freshSdkLoader() {
    return new ClassLoader(null) {
      @Override
      protected Class<?> findClass(String name) throws ClassNotFoundException {
        if (name.startsWith("org.polarisagent.")) {
          return SdkUnsafeSwitchTest.class.getClassLoader().loadClass(name);
        }
        if (!name.startsWith("shade.polaris.")) {
          throw new ClassNotFoundException(name);
        }
        byte[] bytes = ClassFiles.bytes(name);
        if (name.equals(SdkUnsafeSwitch.PROTOBUF)) {
          bytes = SdkUnsafeSwitch.rewrite(bytes, "getUnsafe", "()Lsun/misc/Unsafe;");
        } else if (name.equals(SdkUnsafeSwitch.GUAVA + "$UnsafeAtomicHelper")) {
          bytes = SdkUnsafeSwitch.rewrite(bytes, "<clinit>", "()V");
        }
        return defineClass(name, bytes, 0, bytes.length);
      }
    };
  }
}
