package org.polarisagent.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the module's helper scripts (e.g. {@code grpc-versions/classpath.sh}, {@code
 * jdks/runtime.sh}) with bash and returns what it printed. Stateless.
 */
public final class ScriptOutput {

  private ScriptOutput() {}

  /**
   * The script of the integration-tests module at {@code relativePath}, found next to the Polaris
   * server script (system property {@code polaris.server.script}, set by surefire), else relative
   * to the working directory.
   *
   * @throws IllegalStateException if it does not exist
   */
  public static Path moduleScript(String relativePath) {
    String serverScript = System.getProperty("polaris.server.script");
    Path module =
        serverScript == null
            ? Paths.get("")
            : Paths.get(serverScript).toAbsolutePath().getParent().getParent();
    Path script = module.resolve(relativePath);
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("script " + script.toAbsolutePath() + " not found");
    }
    return script;
  }

  /**
   * Runs {@code script args} and returns its trimmed stdout.
   *
   * @throws IllegalStateException if it fails, prints nothing or runs longer than {@code timeout}
   *     (it is then killed); the message has its stderr
   */
  public static String run(Path script, Duration timeout, String... args) {
    String what = script + " " + String.join(" ", args);
    try {
      Path out = Files.createTempFile("script-", ".out");
      Path err = Files.createTempFile("script-", ".err");
      try {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        Process process =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          throw new IllegalStateException(
              what + " did not finish in " + timeout.toSeconds() + " s");
        }
        String output = Files.readString(out, StandardCharsets.UTF_8).trim();
        if (process.exitValue() != 0 || output.isEmpty()) {
          throw new IllegalStateException(
              what
                  + " failed (exit "
                  + process.exitValue()
                  + "): "
                  + Files.readString(err, StandardCharsets.UTF_8));
        }
        return output;
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + what, e);
    }
  }
}
