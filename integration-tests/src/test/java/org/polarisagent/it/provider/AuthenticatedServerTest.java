package org.polarisagent.it.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi.Instance;
import org.polarisagent.testing.Poll;

/**
 * Against a server whose client APIs check the token: with the right token the agent registers,
 * discovers and gets rules; with a wrong one it says so in one ERROR line without the token, and
 * the app serves on.
 */
class AuthenticatedServerTest {

  @RegisterExtension
  static final PolarisServerExtension POLARIS = PolarisServerExtension.withClientAuth();

  private static final Duration START = AgentProviders.START;

  /** An app with the agent, reaching Polaris with the given token. */
  private static ForkedApp.Builder withToken(Class<?> mainClass, String name, String token) {
    return POLARIS.agentApp(mainClass, name).env("POLARIS_TOKEN", token);
  }

  private static ForkedApp.Builder provider(String name, String service, String token) {
    return withToken(EchoProvider.class, name, token)
        .property("polaris.service", service)
        .property("polaris.grpc.server.shutdown-delay", "0s")
        .args("--name=" + name, "--port=0");
  }

  private static List<Instance> instances(String service) {
    return POLARIS.openApi().listInstances(service, "default");
  }

  /** An agent-run consumer calling {@code polaris://<service>}, with the given token. */
  private static ForkedApp.Builder consumer(String name, String service, String token) {
    return withToken(EchoConsumer.class, name, token).args("--target=polaris://" + service);
  }

  /** Waits for the provider's LISTENING line and its one healthy instance in Polaris. */
  private static void awaitRegistered(ForkedApp provider, String service) {
    provider.awaitLine(AgentProviders.LISTENING, START, 0);
    Poll.until(
        START,
        Duration.ofMillis(200),
        () -> instances(service),
        list -> list.size() == 1 && list.get(0).healthy(),
        "a healthy instance registered with the token");
  }

  @Test
  void withTheRightTokenRegistrationDiscoveryAndRulesWork() {
    String service = "auth-echo";
    String token = POLARIS.adminToken();
    try (ForkedApp provider = provider("auth-provider", service, token).start()) {
      awaitRegistered(provider, service);
      POLARIS
          .openApi()
          .post(
              "/naming/v1/ratelimits",
              "[{\"name\": \"auth-limit\", \"namespace\": \"default\","
                  + " \"service\": \""
                  + service
                  + "\", \"method\": {\"type\": \"EXACT\", \"value\": \"/echo.Echo/Other\"},"
                  + " \"type\": \"LOCAL\", \"resource\": \"QPS\", \"action\": \"REJECT\","
                  + " \"amounts\": [{\"maxAmount\": 5, \"validDuration\": \"1s\"}], \"disable\": false}]");

      // The provider's SDK uses its own gRPC (a token is set); the consumer's is made to use the
      // application's, so the token reaches Polaris through either.
      try (ForkedApp consumer =
          consumer("auth-consumer", service, token)
              .property("polaris.sdk.transport", "application")
              .args("--rate=20", "--duration=60s", "--deadline=3s")
              .start()) {
        ConsumerProgress.until(
            consumer,
            START,
            Duration.ofMillis(200),
            progress -> progress.count("auth-provider") > 0,
            "calls answered through Polaris");
      }
      provider.awaitStderrLine(
          ".*INFO rate limiting of calls to default/"
              + service
              + ": Polaris rules \\[.*auth-limit.*\\] in force.*",
          Duration.ofSeconds(30));
      assertFalse(provider.stderr().contains("ERROR"), provider.stderr());
    }
  }

  @Test
  void aWrongTokenIsOneErrorLineWithoutTheTokenAndTheAppServes() {
    String service = "auth-wrong";
    String wrong = "wrong-token-" + System.nanoTime();
    try (ForkedApp provider = provider("auth-wrong-provider", service, wrong).start()) {
      int port = AgentProviders.awaitListening(provider);
      provider.awaitStderrLine(
          ".*ERROR Polaris refused to register gRPC server on port "
              + port
              + ": .*; check polaris.token\\..*",
          Duration.ofSeconds(60));

      assertEquals("auth-wrong-provider:still-serving", DirectCall.echo(port, "still-serving"));
      assertTrue(instances(service).isEmpty());
      assertEquals(
          1,
          provider.stderrLines().stream().filter(line -> line.contains("ERROR")).count(),
          provider.stderr());
      assertFalse(provider.stderr().contains(wrong), "the token is in the agent's log");
      System.out.println(
          "[auth] wrong token: "
              + provider.stderrLines().stream()
                  .filter(line -> line.contains("ERROR"))
                  .findFirst()
                  .orElse(""));
    }
  }

  @Test
  void aConsumerWithAWrongTokenIsOneErrorLineWithoutTheTokenAndItsCallsFailSayingSo() {
    String service = "auth-consumed";
    String wrong = "wrong-token-" + System.nanoTime();
    try (ForkedApp provider =
        provider("auth-consumed-provider", service, POLARIS.adminToken()).start()) {
      awaitRegistered(provider, service);
      try (ForkedApp consumer =
          consumer("auth-wrong-consumer", service, wrong)
              .args("--calls=10", "--rate=5", "--deadline=10s")
              .start()) {
        consumer.awaitLine("RESULT .*", START);
        assertTrue(consumer.waitFor(START), consumer.describe());
        System.out.println(
            "[auth] consumer with a wrong token: " + String.join(" | ", consumer.stderrLines()));
        List<String> errors =
            consumer.stderrLines().stream().filter(line -> line.contains("ERROR")).toList();
        assertEquals(1, errors.size(), consumer.stderr());
        assertTrue(errors.get(0).contains("polaris.token"), errors.get(0));
        assertFalse(consumer.stderr().contains(wrong), "the token is in the agent's log");
        assertTrue(
            consumer.lines().stream()
                .anyMatch(
                    line ->
                        line.startsWith("ERROR code=UNAVAILABLE")
                            && line.contains("polaris.token")),
            consumer.stdout());
      }
    }
  }
}
