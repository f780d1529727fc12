package org.polarisagent.samples;

import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.polarisagent.testing.Flags;

/** How calls are answered: injected failures and delays, and the stream length. Immutable. */
final class EchoBehaviour {

  final Path failFile;
  final Duration delay;
  final Path delayFile;
  final int streamReplies;
  final String shutdownWord;
  final Runnable shutdown;

  EchoBehaviour(
      Path failFile,
      Duration delay,
      Path delayFile,
      int streamReplies,
      String shutdownWord,
      Runnable shutdown) {
    this.failFile = failFile;
    this.delay = delay;
    this.delayFile = delayFile;
    this.streamReplies = streamReplies;
    this.shutdownWord = shutdownWord;
    this.shutdown = shutdown;
  }

  /** The status this call must fail with now, or {@code null} to answer normally. */
  Status injectedFailure(String method) {
    String content = readIfPresent(failFile);
    if (content == null) {
      return null;
    }
    String[] words = content.trim().split("\\s+");
    if (words.length > 1 && !words[1].equals(method)) {
      return null;
    }
    Status.Code code = Status.Code.UNAVAILABLE;
    if (!words[0].isEmpty()) {
      try {
        code = Status.Code.valueOf(words[0].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        code = Status.Code.UNAVAILABLE;
      }
    }
    return Status.fromCode(code)
        .withDescription("injected failure (" + failFile.getFileName() + ")");
  }

  void pause() throws InterruptedException {
    Duration extra = delay;
    String content = readIfPresent(delayFile);
    if (content != null && !content.isBlank()) {
      try {
        extra = extra.plus(Flags.parseDuration("delay-file", content));
      } catch (IllegalArgumentException ignored) {
        // An unreadable delay is no delay.
      }
    }
    if (!extra.isZero()) {
      Thread.sleep(extra.toMillis());
    }
  }

  private static String readIfPresent(Path file) {
    if (file == null) {
      return null;
    }
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return "";
    }
  }
}
