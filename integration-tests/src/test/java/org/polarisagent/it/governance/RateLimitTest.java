package org.polarisagent.it.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.Poll;

/**
 * Polaris rate-limit rules, created, changed and deleted through the OpenAPI as an operator would,
 * limit the calls an unmodified provider with the agent accepts, live: per method, for unary and
 * streaming calls, per caller. Rules name methods by their gRPC path ({@code /echo.Echo/Echo}).
 * Each test has its own service.
 *
 * <p>The consumers send {@value #RATE} calls per second, three times the rules' {@value #N} per
 * second. The SDK's quota windows are aligned to the clock, the consumers' seconds are not: a
 * k-second window of calls may hold between (k-1)N and (k+1)N accepted calls.
 */
class RateLimitTest {

  @RegisterExtension static final PolarisServerExtension POLARIS = new PolarisServerExtension();

  static final int N = 10;
  static final int RATE = 3 * N;
  private static final int WINDOW_SECONDS = 5;
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration RULE_TAKES_EFFECT = Duration.ofSeconds(20);
  private static final Pattern PROGRESS =
      Pattern.compile("PROGRESS second=(\\d+) sent=(\\d+) ok=(\\d+) failed=(\\d+) instances=\\S*");

  @Test
  void aRuleOnOneMethodLetsAboutNCallsPerSecondThroughAndLeavesTheOtherMethodAlone() {
    String service = "rl-unary";
    try (ForkedApp provider = provider(service)) {
      String rule = createRule(service, "echo-limit", "/echo.Echo/Echo", N, null);
      // Without the leading slash, a method value is no gRPC path: the rule matches nothing, with a
      // WARN.
      createRule(service, "other-no-slash", "echo.Echo/Other", N, null);
      awaitInForce(provider, service, "echo-limit \\(" + N + "/1s on /echo\\.Echo/Echo\\)");
      provider.awaitStderrLine(
          ".*WARN Polaris rate-limit rule 'other-no-slash' of service "
              + service
              + " names method 'echo.Echo/Other', which is not a gRPC method path .* write '/echo.Echo/Other'.*",
          RULE_TAKES_EFFECT);
      try (ForkedApp echo = consumer(service, "Echo", "caller-a");
          ForkedApp other = consumer(service, "Other", "caller-a")) {
        Window limited = Window.measure(echo, WINDOW_SECONDS);
        Window untouched = Window.measure(other, WINDOW_SECONDS);
        System.out.println(
            "[rate-limit] rule "
                + N
                + "/s on Echo, "
                + RATE
                + "/s sent: Echo "
                + limited
                + "; Other "
                + untouched);
        assertAboutNPerSecond(limited, N, echo);
        assertEquals(0, untouched.failed(), other.describe());
        assertTrue(
            untouched.ok() >= (RATE - 2) * WINDOW_SECONDS, untouched + " " + other.describe());

        echo.sigterm();
        other.sigterm();
        // On SIGTERM the consumer promises its summary before the JVM exits, not DONE (main may not
        // get there).
        assertTrue(echo.waitFor(START), echo.describe());
        assertTrue(other.waitFor(START), other.describe());
        assertOnlyRejectionsOf(echo, "echo-limit", "/echo.Echo/Echo");
        assertEquals(0, resultFailed(other), other.describe());
      }
      deleteRule(rule);
    }
  }

  @Test
  void streamingCallsAreLimitedToo() {
    String service = "rl-stream";
    try (ForkedApp provider = provider(service)) {
      createRule(service, "stream-limit", "/echo.Echo/EchoStream", N, null);
      awaitInForce(provider, service, "stream-limit \\(" + N + "/1s on /echo\\.Echo/EchoStream\\)");
      try (ForkedApp stream = consumer(service, "EchoStream", "caller-s")) {
        Window window = Window.measure(stream, WINDOW_SECONDS);
        System.out.println(
            "[rate-limit] rule " + N + "/s on EchoStream, " + RATE + "/s sent: " + window);
        assertAboutNPerSecond(window, N, stream);
        stream.sigterm();
        assertTrue(stream.waitFor(START), stream.describe());
        assertOnlyRejectionsOf(stream, "stream-limit", "/echo.Echo/EchoStream");
      }
    }
  }

  @Test
  void changedAndDeletedRulesTakeEffectWithinSecondsWithoutRestart() {
    String service = "rl-live";
    try (ForkedApp provider = provider(service);
        ForkedApp consumer = consumer(service, "Echo", "caller-l")) {
      Window before = Window.measure(consumer, 2);
      assertEquals(0, before.failed(), consumer.describe());

      long created = System.nanoTime();
      String rule = createRule(service, "live-limit", "/echo.Echo/Echo", N, null);
      awaitInForce(provider, service, "live-limit \\(" + N + "/1s on /echo\\.Echo/Echo\\)");
      long createdMillis = millisSince(created);
      Window atN = Window.measure(consumer, WINDOW_SECONDS);
      assertAboutNPerSecond(atN, N, consumer);

      long updated = System.nanoTime();
      updateRule(rule, service, "live-limit", "/echo.Echo/Echo", 2 * N);
      awaitInForce(provider, service, "live-limit \\(" + 2 * N + "/1s on /echo\\.Echo/Echo\\)");
      long updatedMillis = millisSince(updated);
      Window at2N = Window.measure(consumer, WINDOW_SECONDS);
      assertAboutNPerSecond(at2N, 2 * N, consumer);

      long deleted = System.nanoTime();
      deleteRule(rule);
      provider.awaitStderrLine(
          ".*INFO rate limiting of calls to default/" + service + ": no Polaris rule in force",
          RULE_TAKES_EFFECT);
      long deletedMillis = millisSince(deleted);
      Window after = Window.measure(consumer, WINDOW_SECONDS);
      assertEquals(0, after.failed(), after + " " + consumer.describe());
      System.out.println(
          "[rate-limit] in force at the provider after: create "
              + createdMillis
              + " ms, update "
              + updatedMillis
              + " ms, delete "
              + deletedMillis
              + " ms; windows: "
              + N
              + "/s "
              + atN
              + ", "
              + 2 * N
              + "/s "
              + at2N
              + ", deleted "
              + after);
    }
  }

  @Test
  void aCallerRuleLimitsOnlyThatCaller() {
    String service = "rl-caller";
    try (ForkedApp provider = provider(service)) {
      String argument =
          "{\"type\": \"CALLER_SERVICE\", \"key\": \"default\","
              + " \"value\": {\"type\": \"EXACT\", \"value\": \"web\"}}";
      createRule(service, "web-limit", "", N, argument);
      awaitInForce(
          provider,
          service,
          "web-limit \\(" + N + "/1s on every method with 1 argument condition\\(s\\)\\)");
      try (ForkedApp web = consumer(service, "Echo", "web");
          ForkedApp batch = consumer(service, "Echo", "batch")) {
        Window limited = Window.measure(web, WINDOW_SECONDS);
        Window untouched = Window.measure(batch, WINDOW_SECONDS);
        System.out.println(
            "[rate-limit] rule "
                + N
                + "/s for caller web: web "
                + limited
                + "; batch "
                + untouched);
        assertAboutNPerSecond(limited, N, web);
        assertEquals(0, untouched.failed(), batch.describe());
      }
    }
  }

  // ---- apps

  private static ForkedApp provider(String service) {
    ForkedApp provider =
        POLARIS
            .agentApp(EchoProvider.class, "provider-" + service)
            .property("polaris.service", service)
            .property("polaris.grpc.server.shutdown-delay", "0s")
            .args("--name=p-" + service)
            .start();
    try {
      provider.awaitLine("READY .*", START);
      Poll.until(
          START,
          Duration.ofMillis(200),
          () -> POLARIS.openApi().listInstances(service, "default"),
          list -> list.stream().anyMatch(PolarisOpenApi.Instance::healthy),
          "a healthy instance of " + service);
      return provider;
    } catch (RuntimeException | AssertionError e) {
      provider.close();
      throw e;
    }
  }

  private static ForkedApp consumer(String service, String method, String caller) {
    ForkedApp consumer =
        POLARIS
            .agentApp(EchoConsumer.class, "consumer-" + service + "-" + method + "-" + caller)
            .property("polaris.service", caller)
            .args(
                "--target=polaris://" + service,
                "--method=" + method,
                "--rate=" + RATE,
                "--duration=120s",
                // Long enough that the first calls outlive a slow first discovery: every failure
                // the test counts is then the rule's.
                "--deadline=10s")
            .start();
    try {
      // Its first calls may be over quota already: it runs once some call succeeded.
      consumer.awaitLine("PROGRESS second=\\d+ sent=\\d+ ok=[1-9]\\d* .*", START);
      return consumer;
    } catch (RuntimeException | AssertionError e) {
      consumer.close();
      throw e;
    }
  }

  /**
   * Waits until the provider's agent reports the rule (with its current quota) in force for the
   * service.
   */
  private static void awaitInForce(ForkedApp provider, String service, String ruleRegex) {
    provider.awaitStderrLine(
        ".*INFO rate limiting of calls to default/"
            + service
            + ": Polaris rules \\[.*"
            + ruleRegex
            + ".*\\] in force",
        RULE_TAKES_EFFECT);
  }

  // ---- rules through the OpenAPI

  private static String ruleJson(
      String id, String service, String name, String method, int perSecond, String argument) {
    return "{"
        + (id == null ? "" : "\"id\": \"" + id + "\", ")
        + "\"name\": \""
        + name
        + "\", \"namespace\": \"default\", \"service\": \""
        + service
        + "\","
        + " \"method\": {\"type\": \"EXACT\", \"value\": \""
        + method
        + "\"},"
        + (argument == null ? "" : " \"arguments\": [" + argument + "],")
        + " \"type\": \"LOCAL\", \"resource\": \"QPS\", \"action\": \"REJECT\","
        + " \"amounts\": [{\"maxAmount\": "
        + perSecond
        + ", \"validDuration\": \"1s\"}], \"disable\": false}";
  }

  /** Creates an enabled LOCAL rule of {@code perSecond} calls per second; returns its id. */
  private static String createRule(
      String service, String name, String method, int perSecond, String argument) {
    JsonObject response =
        POLARIS
            .openApi()
            .post(
                "/naming/v1/ratelimits",
                "[" + ruleJson(null, service, name, method, perSecond, argument) + "]");
    JsonObject first = response.getAsJsonArray("responses").get(0).getAsJsonObject();
    for (Map.Entry<String, JsonElement> field : first.entrySet()) {
      if (field.getValue().isJsonObject() && field.getValue().getAsJsonObject().has("id")) {
        return field.getValue().getAsJsonObject().get("id").getAsString();
      }
    }
    throw new IllegalStateException("no rule id in " + response);
  }

  private static void updateRule(
      String id, String service, String name, String method, int perSecond) {
    POLARIS
        .openApi()
        .put(
            "/naming/v1/ratelimits",
            "[" + ruleJson(id, service, name, method, perSecond, null) + "]");
  }

  private static void deleteRule(String id) {
    POLARIS.openApi().post("/naming/v1/ratelimits/delete", "[{\"id\": \"" + id + "\"}]");
  }

  // ---- what the consumers saw

  /**
   * Calls that completed during k whole seconds of a consumer's run (from its cumulative PROGRESS
   * lines).
   */
  record Window(int seconds, long ok, long failed, List<Long> okPerSecond) {

    /**
     * Waits for the consumer's next PROGRESS line, then for {@code seconds} more, and takes the
     * difference.
     */
    static Window measure(ForkedApp consumer, int seconds) {
      Duration timeout = Duration.ofSeconds(seconds + 15);
      Matcher start = consumer.awaitLine(PROGRESS, timeout, consumer.lineCount());
      int first = Integer.parseInt(start.group(1));
      long okBefore = Long.parseLong(start.group(3));
      long failedBefore = Long.parseLong(start.group(4));
      List<Long> perSecond = new ArrayList<>();
      long ok = okBefore;
      long failed = failedBefore;
      for (int second = first + 1; second <= first + seconds; second++) {
        String text =
            consumer
                .awaitLine(Pattern.compile("PROGRESS second=" + second + " .*"), timeout, 0)
                .group();
        Matcher line = PROGRESS.matcher(text);
        if (!line.matches()) {
          throw new AssertionError("unreadable progress line: " + text);
        }
        perSecond.add(Long.parseLong(line.group(3)) - ok);
        ok = Long.parseLong(line.group(3));
        failed = Long.parseLong(line.group(4));
      }
      return new Window(seconds, ok - okBefore, failed - failedBefore, perSecond);
    }

    @Override
    public String toString() {
      return ok
          + " ok and "
          + failed
          + " failed in "
          + seconds
          + " s (ok per second "
          + okPerSecond
          + ")";
    }
  }

  private static void assertAboutNPerSecond(Window window, int perSecond, ForkedApp consumer) {
    long low = (long) (window.seconds() - 1) * perSecond;
    long high = (long) (window.seconds() + 1) * perSecond;
    assertTrue(
        window.ok() >= low && window.ok() <= high,
        "expected "
            + low
            + ".."
            + high
            + " accepted calls, got "
            + window
            + "\n"
            + consumer.describe());
    assertTrue(
        window.failed() > 0
            && window.ok() + window.failed() >= (long) (RATE - 2) * window.seconds(),
        "expected the calls over quota to fail, got " + window + "\n" + consumer.describe());
  }

  /** Every failure the consumer saw is a RESOURCE_EXHAUSTED naming the rule. */
  private static void assertOnlyRejectionsOf(ForkedApp consumer, String rule, String method) {
    List<String> errors =
        consumer.lines().stream().filter(line -> line.startsWith("ERROR ")).toList();
    assertEquals(1, errors.size(), consumer.describe());
    assertTrue(
        errors
            .get(0)
            .matches(
                "ERROR code=RESOURCE_EXHAUSTED count=\\d+ message=rate limited by Polaris rule '"
                    + rule
                    + "' on "
                    + Pattern.quote(method)),
        errors.get(0));
    System.out.println("[rate-limit] " + consumer.name() + ": " + errors.get(0));
  }

  private static long resultFailed(ForkedApp consumer) {
    Pattern pattern = Pattern.compile("RESULT ok=\\d+ failed=(\\d+) .*");
    for (String line : consumer.lines()) {
      Matcher matcher = pattern.matcher(line);
      if (matcher.matches()) {
        return Long.parseLong(matcher.group(1));
      }
    }
    throw new AssertionError("no RESULT line\n" + consumer.describe());
  }

  private static long millisSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
  }
}
