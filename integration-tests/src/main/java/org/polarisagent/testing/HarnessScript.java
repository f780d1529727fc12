package org.polarisagent.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of the harness's shell scripts ({@code polaris-server.sh}, {@code polaris-cluster.sh}) run
 * for one run directory: each run's stdout and stderr kept there as {@code
 * script-<n>-<command>.out/.err}, a bounded wait, and a failure that quotes both.
 *
 * <p>Thread-safe.
 */
final class HarnessScript {

  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final Path script;
  private final Path runDir;
  private int runs;

  HarnessScript(Path script, Path runDir) {
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException(
          "harness script "
              + script.toAbsolutePath()
              + " not found (system property "
              + "polaris.server.script names the folder's polaris-server.sh)");
    }
    this.script = script;
    this.runDir = runDir;
  }

  Path runDir() {
    return runDir;
  }

  /**
   * Runs {@code script <arguments>} with {@code env} added to this JVM's environment; returns its
   * stdout.
   *
   * @throws HarnessFailure if it fails or does not finish in 5 minutes; the message has its output
   */
  String run(Map<String, String> env, String... arguments) {
    String name = script.getFileName() + " " + String.join(" ", arguments);
    try {
      Files.createDirectories(runDir);
      int run;
      synchronized (this) {
        run = ++runs;
      }
      String tag = "script-" + run + "-" + String.join("-", arguments);
      Path out = runDir.resolve(tag + ".out");
      Path err = runDir.resolve(tag + ".err");
      String[] command = new String[arguments.length + 2];
      command[0] = "bash";
      command[1] = script.toString();
      System.arraycopy(arguments, 0, command, 2, arguments.length);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new HarnessFailure(
            name + " did not finish in " + TIMEOUT.toSeconds() + " s; " + outputOf(out, err));
      }
      if (process.exitValue() != 0) {
        throw new HarnessFailure(
            name + " failed with exit code " + process.exitValue() + "; " + outputOf(out, err));
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HarnessFailure("interrupted while running " + name, e);
    }
  }

  private static String outputOf(Path out, Path err) throws IOException {
    return "stdout: "
        + Files.readString(out, StandardCharsets.UTF_8).trim()
        + "\nstderr: "
        + Files.readString(err, StandardCharsets.UTF_8).trim();
  }
}
