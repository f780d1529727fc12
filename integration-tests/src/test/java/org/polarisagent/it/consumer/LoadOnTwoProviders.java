package org.polarisagent.it.consumer;

import java.time.Duration;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * Steady load on two providers: echo providers {@code p1} and {@code p2} of service {@code echo},
 * healthy in Polaris, and a consumer calling {@code polaris://echo} at 50 calls a second that has
 * reached both. Closing it closes the consumer, then {@code p2}, then {@code p1}.
 */
record LoadOnTwoProviders(ForkedApp p1, ForkedApp p2, ForkedApp consumer) implements AutoCloseable {

  /**
   * Starts the providers and the consumer (which stops by itself after {@code duration}); returns
   * once both providers answered calls, polled every {@code observe} for at most 30 s.
   */
  static LoadOnTwoProviders start(
      PolarisServerExtension polaris, String duration, Duration observe) {
    ForkedApp p1 = Providers.start(polaris, "echo", "p1");
    ForkedApp p2 = Providers.start(polaris, "echo", "p2");
    Providers.awaitHealthy(polaris, "echo", 2);
    ForkedApp consumer = null;
    try {
      consumer = Consumers.steady(polaris, "consumer", "polaris://echo", 50, duration);
      ConsumerProgress.until(
          consumer,
          Duration.ofSeconds(30),
          observe,
          p -> p.count("p1") > 0 && p.count("p2") > 0,
          "traffic on p1 and p2");
      return new LoadOnTwoProviders(p1, p2, consumer);
    } catch (RuntimeException | Error e) {
      try (p1;
          p2;
          ForkedApp started = consumer) {
        throw e;
      }
    }
  }

  @Override
  public void close() {
    try (p1;
        p2;
        consumer) {
      // Closes all three, the last first.
    }
  }
}
