package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the SDK reads and writes as JVM properties, and what the application sees of it. */
class SdkPropertiesTest {

  private static final String EVENT_LOOPS = "shade.polaris.io.netty.eventLoopThreads";

  @Test
  void theSdkReadsTheAgentsValuesUnlessTheUserSetTheProperty() {
    assertNull(System.getProperty(EVENT_LOOPS));
    assertEquals("1", SdkProperties.get(EVENT_LOOPS));
    assertEquals("1", SdkProperties.get(EVENT_LOOPS, "8"));
    System.setProperty(EVENT_LOOPS, "3");
    try {
      assertEquals("3", SdkProperties.get(EVENT_LOOPS));
    } finally {
      System.clearProperty(EVENT_LOOPS);
    }
    assertEquals("8", SdkProperties.get("shade.polaris.unknown", "8"));
    assertNull(SdkProperties.get("shade.polaris.unknown"));
    assertEquals(System.getProperty("java.version"), SdkProperties.get("java.version"));
  }

  @Test
  void whatTheSdkWritesStaysWithTheSdk() {
    String key = "polaris.test.written";
    assertNull(SdkProperties.set(key, "a"));
    assertEquals("a", SdkProperties.set(key, "b"));
    assertEquals("b", SdkProperties.get(key));
    assertNull(System.getProperty(key));
  }

  @Test
  void unsafeIsSwitchedOffOnlyWhereTheJvmWouldWarnAboutIt() {
    assertFalse(SdkProperties.agentValues(17).containsKey(SdkUnsafeSwitch.PROPERTY));
    assertEquals("true", SdkProperties.agentValues(24).get(SdkUnsafeSwitch.PROPERTY));
    assertEquals("true", SdkProperties.agentValues(25).get("shade.polaris.io.netty.noUnsafe"));
    assertTrue(SdkProperties.agentValues(8).containsKey(EVENT_LOOPS));
  }
}
