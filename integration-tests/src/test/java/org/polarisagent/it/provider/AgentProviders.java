package org.polarisagent.it.provider;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi.Instance;

/**
 * The {@link EchoProvider} sample run with the agent against a test's Polaris server, as the
 * provider tests start it, and what Polaris lists of it. Stateless.
 */
final class AgentProviders {

  /** How long a forked provider may take to print its first line. */
  static final Duration START = Duration.ofSeconds(60);

  /** The provider's line once its one server listens; group 1 is the port. */
  static final Pattern LISTENING = Pattern.compile("LISTENING name=\\S+ port=(\\d+)");

  private AgentProviders() {}

  /** The provider with the agent, registering in {@code namespace} of {@code polaris}. */
  static ForkedApp.Builder provider(PolarisServerExtension polaris, String name, String namespace) {
    return polaris.agentApp(EchoProvider.class, name).property("polaris.namespace", namespace);
  }

  /** Waits for the app's LISTENING line; returns the port. */
  static int awaitListening(ForkedApp app) {
    return Integer.parseInt(app.awaitLine(LISTENING, START, 0).group(1));
  }

  /** The {@code echo.Echo} instances Polaris lists in {@code namespace}. */
  static List<Instance> echoInstances(PolarisServerExtension polaris, String namespace) {
    return polaris.openApi().listInstances("echo.Echo", namespace);
  }
}
