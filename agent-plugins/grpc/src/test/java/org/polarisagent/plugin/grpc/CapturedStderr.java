package org.polarisagent.plugin.grpc;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the agent logs (on {@code System.err}) during each test, as an extension ({@code
 * RegisterExtension}), or during one action ({@link #during}). {@code System.err} is restored
 * after.
 */
public final class CapturedStderr implements BeforeEachCallback, AfterEachCallback {

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;

  /** What the action wrote to {@code System.err}. */
  public static String during(Runnable action) {
    CapturedStderr stderr = new CapturedStderr();
    stderr.beforeEach(null);
    try {
      action.run();
    } finally {
      stderr.afterEach(null);
    }
    return stderr.text();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    original = System.err;
    System.setErr(new PrintStream(captured, true));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    System.setErr(original);
  }

  /** What was written so far. */
  public String text() {
    return new String(captured.toByteArray(), StandardCharsets.UTF_8);
  }
}
