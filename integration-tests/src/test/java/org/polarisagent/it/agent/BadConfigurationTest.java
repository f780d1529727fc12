package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.Poll;

/**
 * A provider and a consumer started with a bad value for every key that can have one (but the
 * address, whose bad value keeps the agent away from Polaris by design): each bad value gives one
 * ERROR line naming it, and both apps still register, discover and call through Polaris on the
 * defaults.
 */
class BadConfigurationTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  private static final Duration RUN = Duration.ofSeconds(90);

  /**
   * A bad value of every key that can have one, the address excepted: the keys with a value in
   * {@code bad-config-values.properties}, in its order.
   */
  private static final Map<String, String> BAD = badValues();

  private static Map<String, String> badValues() {
    Map<String, String> bad = new LinkedHashMap<>();
    try (InputStream in =
            BadConfigurationTest.class.getResourceAsStream("bad-config-values.properties");
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        int equals = line.indexOf('=');
        if (line.startsWith("#") || equals < 0) {
          continue;
        }
        String key = line.substring(0, equals);
        String value = line.substring(equals + 1);
        if (!value.isEmpty() && !key.equals("polaris.address")) {
          bad.put(key, value);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bad;
  }

  @Test
  void everyBadValueIsOneErrorAndTheAppsStillServeAndCallThroughPolaris() {
    try (ForkedApp provider =
        withBadValues(ForkedApp.main(EchoProvider.class).name("provider-bad-config"))
            .args("--name=p1")
            .start()) {
      provider.awaitLine("READY .*", RUN);
      // polaris.service falls back to empty: the server registers under its gRPC service's own
      // name.
      Poll.until(
          RUN,
          Duration.ofMillis(200),
          () -> POLARIS.openApi().listInstances("echo.Echo", "default"),
          list -> list.stream().anyMatch(i -> i.healthy()),
          "the provider registered as echo.Echo");
      // Wait-for-ready: the server's discovery view may lag its OpenAPI by a moment (a first answer
      // without the instance, 0.8 s after it registered, was seen once), and calls that find no
      // instance fail at once otherwise.
      try (ForkedApp consumer =
          withBadValues(ForkedApp.main(EchoConsumer.class).name("consumer-bad-config"))
              .args(
                  "--target=polaris://echo.Echo",
                  "--calls=20",
                  "--rate=40",
                  "--deadline=10s",
                  "--wait-for-ready=true")
              .start()) {
        Matcher result = consumer.awaitLine("RESULT ok=(\\d+) failed=(\\d+) .*", RUN);
        assertEquals("20", result.group(1), consumer.describe());
        assertTrue(consumer.waitFor(RUN), consumer.describe());
        assertOneErrorPerBadValue(consumer);
      }
      assertOneErrorPerBadValue(provider);
    }
  }

  private static ForkedApp.Builder withBadValues(ForkedApp.Builder builder) {
    builder.withAgent().property("polaris.address", POLARIS.grpcAddress());
    BAD.forEach(builder::property);
    return builder;
  }

  private static void assertOneErrorPerBadValue(ForkedApp app) {
    List<String> errors =
        app.stderrLines().stream()
            .filter(line -> line.startsWith("[polaris-agent] ERROR"))
            .toList();
    assertEquals(BAD.size(), errors.size(), app.stderr());
    BAD.forEach(
        (key, value) ->
            assertTrue(
                errors.stream()
                    .anyMatch(line -> line.contains(key + " ") && line.contains("'" + value + "'")),
                "no ERROR line for " + key + "=" + value + " in\n" + String.join("\n", errors)));
  }
}
