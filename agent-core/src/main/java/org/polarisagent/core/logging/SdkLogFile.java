package org.polarisagent.core.logging;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.Date;

/**
 * Where the Polaris SDK's log lines go: one file outside the application's working directory, appended,
 * rotated once to {@code <file>.1} when it passes {@value #MAX_BYTES} bytes. If the file cannot be opened,
 * lines are dropped after one WARN on stderr. Thread-safe.
 */
public final class SdkLogFile {

  static final long MAX_BYTES = 10L * 1024 * 1024;

  private static volatile AgentLog.Level threshold = AgentLog.Level.INFO;
  private static File file;
  private static OutputStream out;
  private static long written;
  private static boolean failed;

  private SdkLogFile() {}

  /** Points SDK logging at a file and sets its level; called once at agent start. */
  public static synchronized void configure(String path, AgentLog.Level level) {
    threshold = level;
    file = new File(path);
  }

  public static boolean enabled(AgentLog.Level level) {
    return level.ordinal() <= threshold.ordinal();
  }

  /** Writes one line for a logger, unless its level is filtered out. */
  public static void write(AgentLog.Level level, String logger, String message, Throwable failure) {
    if (!enabled(level)) {
      return;
    }
    StringBuilder line = new StringBuilder(128);
    line.append(new SimpleDateFormat("yyyy-MM-dd HH:mm:ss.SSS").format(new Date()))
        .append(' ').append(level)
        .append(" [").append(Thread.currentThread().getName()).append("] ")
        .append(logger).append(" - ").append(message).append('\n');
    if (failure != null) {
      StringWriter trace = new StringWriter();
      failure.printStackTrace(new PrintWriter(trace));
      line.append(trace);
    }
    append(line.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static synchronized void append(byte[] bytes) {
    if (failed || file == null) {
      return;
    }
    try {
      if (out == null || written > MAX_BYTES) {
        open();
      }
      out.write(bytes);
      out.flush();
      written += bytes.length;
    } catch (IOException e) {
      failed = true;
      AgentLog.warn("cannot write the Polaris SDK log to " + file + " (" + e.getMessage()
          + "); SDK log lines are dropped");
    }
  }

  private static void open() throws IOException {
    if (out != null) {
      out.close();
      File rotated = new File(file.getPath() + ".1");
      if (!rotated.delete() && rotated.exists() || !file.renameTo(rotated)) {
        throw new IOException("cannot rotate to " + rotated);
      }
    }
    File dir = file.getAbsoluteFile().getParentFile();
    if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
      throw new IOException("cannot create " + dir);
    }
    written = file.length();
    out = new FileOutputStream(file, true);
  }
}
