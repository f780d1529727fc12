package org.polarisagent.it.consumer;

import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisFixture;
import org.polarisagent.samples.EchoConsumer;

/** Starts sample consumers with the agent. */
public final class Consumers {

  private Consumers() {}

  /**
   * A consumer of {@code target} that runs at {@code rate} calls per second for at most {@code
   * duration} (3 s deadline, round robin, service {@code echo-consumer}), not started yet.
   */
  public static ForkedApp.Builder steadyBuilder(
      PolarisFixture polaris,
      String name,
      String target,
      int rate,
      String duration,
      String... extraArgs) {
    return polaris
        .agentApp(EchoConsumer.class, name)
        .property("polaris.service", "echo-consumer")
        .property("polaris.loadbalancer", "round_robin")
        .args("--target=" + target, "--rate=" + rate, "--duration=" + duration, "--deadline=3s")
        .args(extraArgs);
  }
}
