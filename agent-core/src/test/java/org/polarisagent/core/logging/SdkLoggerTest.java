package org.polarisagent.core.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.MarkerFactory;

class SdkLoggerTest {

  @TempDir Path temp;

  @AfterEach
  void restore() {
    SdkLogFile.configure(temp.resolve("unused/sdk.log").toString(), AgentLog.Level.INFO);
  }

  private List<String> lines(Path log) throws IOException {
    List<String> result = new ArrayList<>();
    for (String line : new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n")) {
      result.add(line.replaceFirst("^\\S+ \\S+ ", "")); // without the time stamp
    }
    return result;
  }

  @Test
  void everyFormOfEveryLevelMethodWritesItsLineTraceAsDebugMarkersIgnored() throws IOException {
    Path log = temp.resolve("sdk.log");
    SdkLogFile.configure(log.toString(), AgentLog.Level.DEBUG);
    Logger logger = new SdkLoggerFactory().getLogger("sdk.test");

    logger.trace("plain");
    logger.debug("one {}", 1);
    logger.info("two {} {}", 1, 2);
    logger.warn("three {} {} {}", 1, 2, 3);
    logger.error(MarkerFactory.getMarker("m"), "marked {}", "x");

    assertEquals("sdk.test", logger.getName());
    assertTrue(logger.isTraceEnabled() && logger.isErrorEnabled());
    assertEquals(
        Arrays.asList(
            "DEBUG [main] sdk.test - plain",
            "DEBUG [main] sdk.test - one 1",
            "INFO [main] sdk.test - two 1 2",
            "WARN [main] sdk.test - three 1 2 3",
            "ERROR [main] sdk.test - marked x"),
        lines(log));
  }

  @Test
  void levelsBelowTheFileLevelAreNotWritten() throws IOException {
    Path log = temp.resolve("sdk.log");
    SdkLogFile.configure(log.toString(), AgentLog.Level.WARN);
    Logger logger = new SdkLoggerFactory().getLogger("sdk.test");

    logger.info("dropped {}", 1);
    logger.warn("kept");

    assertFalse(logger.isInfoEnabled());
    assertEquals(Collections.singletonList("WARN [main] sdk.test - kept"), lines(log));
  }
}
