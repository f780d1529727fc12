package org.polarisagent.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code docs/configuration.md} must be what {@link ConfigReference} renders from the
 * code. Run with {@code -Dpolaris.docs.update=true} to rewrite it.
 */
class ConfigReferenceTest {

  private static final Path DOC = Paths.get("..", "docs", "configuration.md");

  @Test
  void committedReferenceMatchesTheCode() throws IOException {
    String expected = ConfigReference.markdown();
    if (Boolean.getBoolean("polaris.docs.update")) {
      Files.createDirectories(DOC.getParent());
      Files.write(DOC, expected.getBytes(StandardCharsets.UTF_8));
    }
    String committed =
        Files.exists(DOC) ? new String(Files.readAllBytes(DOC), StandardCharsets.UTF_8) : "";
    assertEquals(
        expected,
        committed,
        "docs/configuration.md is out of date; regenerate it with:"
            + " mvn -pl agent-core test -Dtest=ConfigReferenceTest -Dpolaris.docs.update=true");
  }
}
