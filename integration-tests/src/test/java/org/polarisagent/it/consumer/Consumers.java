package org.polarisagent.it.consumer;

import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisFixture;
import org.polarisagent.samples.EchoConsumer;

/** Starts sample consumers with the agent. */
public final class Consumers {

  private Consumers() {}

  /**
   * A consumer of {@code target} that runs at {@code rate} calls per second for at most {@code
   * duration}.
   */
  static ForkedApp steady(
      PolarisFixture polaris,
      String name,
      String target,
      int rate,
      String duration,
      String... extraArgs) {
    return steadyBuilder(polaris, name, target, rate, duration, extraArgs).start();
  }

  /** The consumer of {@link #steady}, not started yet. */
  public static ForkedApp.Builder steadyBuilder(
      PolarisFixture polaris,
      String name,
      String target,
      int rate,
      String duration,
      String... extraArgs) {
    String[] args = new String[4 + extraArgs.length];
    args[0] = "--target=" + target;
    args[1] = "--rate=" + rate;
    args[2] = "--duration=" + duration;
    args[3] = "--deadline=3s";
    System.arraycopy(extraArgs, 0, args, 4, extraArgs.length);
    return polaris
        .agentApp(EchoConsumer.class, name)
        .property("polaris.service", "echo-consumer")
        .property("polaris.loadbalancer", "round_robin")
        .args(args);
  }
}
