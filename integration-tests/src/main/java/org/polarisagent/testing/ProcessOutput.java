package org.polarisagent.testing;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One output stream of a {@link ChildProcess}: read by a daemon thread into memory and a file, line
 * by line, each line stamped when it was read. Thread-safe.
 */
final class ProcessOutput {

  private final List<ChildProcess.Line> lines = new ArrayList<>();
  private final Thread reader;
  private boolean ended;

  ProcessOutput(String threadName, InputStream stream, Path file) throws IOException {
    Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    reader = new Thread(() -> pump(stream, writer), threadName);
    reader.setDaemon(true);
    reader.start();
  }

  private void pump(InputStream stream, Writer writer) {
    try (BufferedReader in =
            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(writer)) {
      String text;
      while ((text = in.readLine()) != null) {
        ChildProcess.Line line = new ChildProcess.Line(text, System.nanoTime(), WallClock.micros());
        out.write(text);
        out.newLine();
        out.flush();
        synchronized (this) {
          lines.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      synchronized (this) {
        lines.add(
            new ChildProcess.Line(
                "[harness: output read failed: " + e + "]", System.nanoTime(), WallClock.micros()));
      }
    } finally {
      synchronized (this) {
        ended = true;
        notifyAll();
      }
    }
  }

  synchronized List<ChildProcess.Line> lines() {
    return new ArrayList<>(lines);
  }

  synchronized int count() {
    return lines.size();
  }

  synchronized boolean ended() {
    return ended;
  }

  /**
   * The first line from index {@code fromLine} on that satisfies {@code condition}; null if none in
   * time.
   */
  ChildProcess.Line await(Predicate<String> condition, Duration timeout, int fromLine) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int next = fromLine;
    synchronized (this) {
      while (true) {
        for (; next < lines.size(); next++) {
          if (condition.test(lines.get(next).text())) {
            return lines.get(next);
          }
        }
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) {
          return null;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    }
  }

  void awaitEnd(long nanos) throws InterruptedException {
    reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
  }
}
