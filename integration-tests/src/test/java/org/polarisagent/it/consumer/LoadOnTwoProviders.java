package org.polarisagent.it.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.polarisagent.it.harness.ConsumerProgress;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisFixture;

/**
 * Steady load on two providers: echo providers {@code p1} and {@code p2} of service {@code echo}
 * (or another), healthy in Polaris, and a consumer calling {@code polaris://echo} at 50 calls a
 * second that has reached both. Closing it closes the consumer, then {@code p2}, then {@code p1}.
 */
public record LoadOnTwoProviders(ForkedApp p1, ForkedApp p2, ForkedApp consumer)
    implements AutoCloseable {

  /**
   * Starts the providers and the consumer (which stops by itself after {@code duration}); returns
   * once both providers answered calls, polled every {@code observe} for at most 30 s.
   */
  static LoadOnTwoProviders start(PolarisFixture polaris, String duration, Duration observe) {
    return start(polaris, "echo", duration, observe, UnaryOperator.identity());
  }

  /**
   * Like {@link #start(PolarisFixture, String, Duration)} for {@code service}, each of the three
   * apps described by its usual builder passed through {@code fork} (e.g. to run it on another
   * JDK).
   */
  public static LoadOnTwoProviders start(
      PolarisFixture polaris,
      String service,
      String duration,
      Duration observe,
      UnaryOperator<ForkedApp.Builder> fork) {
    ForkedApp p1 =
        Providers.started(fork.apply(Providers.builder(polaris, service, "p1", List.of())));
    ForkedApp p2 = null;
    ForkedApp consumer = null;
    try {
      p2 = Providers.started(fork.apply(Providers.builder(polaris, service, "p2", List.of())));
      Providers.awaitHealthy(polaris, service, 2);
      consumer =
          fork.apply(
                  Consumers.steadyBuilder(
                      polaris, "consumer", "polaris://" + service, 50, duration))
              .start();
      ConsumerProgress.awaitReached(consumer, Duration.ofSeconds(30), observe, "p1", "p2");
      return new LoadOnTwoProviders(p1, p2, consumer);
    } catch (RuntimeException | Error e) {
      try (p1;
          ForkedApp second = p2;
          ForkedApp started = consumer) {
        throw e;
      }
    }
  }

  /**
   * Stops {@code p1} with SIGTERM and waits up to {@code exit} for it to end; then, polling every
   * {@code observe} for 3 s, asserts that the consumer had no failed call since the signal. Returns
   * the calls {@code p2} had answered when {@code p1} was gone.
   */
  public long stopP1WithoutFailedCalls(Duration exit, Duration observe) {
    long failedBefore = ConsumerProgress.of(consumer).failed();
    p1.sigterm();
    assertTrue(p1.waitFor(exit), p1.describe());
    long p2Answered = ConsumerProgress.of(consumer).count("p2");
    // Progress lines come once a second: watch a few more of them after p1 is gone.
    ConsumerProgress.holds(
        consumer,
        Duration.ofSeconds(3),
        observe,
        p -> p.failed() == failedBefore,
        "no failed call during and after p1's graceful stop");
    assertEquals(failedBefore, ConsumerProgress.of(consumer).failed(), consumer.describe());
    return p2Answered;
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
