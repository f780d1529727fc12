package org.polarisagent.it.consumer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisFixture;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.Poll;

/** Starts sample providers with the agent and waits until Polaris lists them healthy. */
public final class Providers {

  public static final Duration START = Duration.ofSeconds(60);

  private Providers() {}

  /** Starts one provider of {@code service} named {@code name}; returns once it listens. */
  static ForkedApp start(
      PolarisFixture polaris, String service, String name, String... properties) {
    return start(polaris, service, name, List.of(), properties);
  }

  /** Like {@link #start(PolarisFixture, String, String, String...)} with more provider flags. */
  static ForkedApp start(
      PolarisFixture polaris,
      String service,
      String name,
      List<String> flags,
      String... properties) {
    ForkedApp.Builder builder = builder(polaris, service, name, flags);
    for (int i = 0; i + 1 < properties.length; i += 2) {
      builder.property(properties[i], properties[i + 1]);
    }
    return started(builder);
  }

  /**
   * The provider {@code name} of {@code service} with the agent, a 3 s shutdown delay and {@code
   * flags}, not started yet.
   */
  public static ForkedApp.Builder builder(
      PolarisFixture polaris, String service, String name, List<String> flags) {
    List<String> args = new ArrayList<>(flags);
    args.add(0, "--name=" + name);
    return polaris
        .agentApp(EchoProvider.class, name)
        .property("polaris.service", service)
        .property("polaris.grpc.server.shutdown-delay", "3s")
        .args(args.toArray(new String[0]));
  }

  /** Starts the provider; returns once it listens. */
  public static ForkedApp started(ForkedApp.Builder builder) {
    ForkedApp provider = builder.start();
    provider.awaitLine("READY .*", START);
    return provider;
  }

  /**
   * Starts {@code count} providers named {@code prefix1..n} and waits until all are healthy in
   * Polaris.
   */
  static List<ForkedApp> startAll(
      PolarisFixture polaris, String service, String prefix, int count) {
    List<ForkedApp> providers = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      providers.add(start(polaris, service, prefix + i));
    }
    awaitHealthy(polaris, service, count);
    return providers;
  }

  /** Waits until Polaris lists exactly {@code count} healthy instances of the service. */
  public static void awaitHealthy(PolarisFixture polaris, String service, int count) {
    Poll.until(
        START,
        Duration.ofMillis(200),
        () -> polaris.openApi().listInstances(service, "default"),
        instances -> instances.stream().filter(PolarisOpenApi.Instance::healthy).count() == count,
        count + " healthy instances of " + service);
  }
}
