package org.polarisagent.samples;

import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
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

  /** As the provider's flags describe it; {@code shutdown} is what the shutdown word runs. */
  EchoBehaviour(Flags flags, Runnable shutdown) {
    this.failFile = pathOrNull(flags.string("fail-file", null));
    this.delay = flags.duration("delay", Duration.ZERO);
    this.delayFile = pathOrNull(flags.string("delay-file", null));
    this.streamReplies = flags.integer("stream-replies", 3);
    this.shutdownWord = flags.string("shutdown-word", null);
    this.shutdown = shutdown;
  }

  private static Path pathOrNull(String value) {
    return value == null ? null : Paths.get(value);
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
