package org.polarisagent.it.consumer;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;
import org.polarisagent.samples.EchoConsumer;

/** Starts sample consumers with the agent and reads their progress lines. */
final class Consumers {

  private static final Pattern PROGRESS =
      Pattern.compile("PROGRESS second=(\\d+) sent=(\\d+) ok=(\\d+) failed=(\\d+) instances=(\\S*)");

  private Consumers() {}

  /** A consumer of {@code target} that runs at {@code rate} calls per second for at most {@code duration}. */
  static ForkedApp steady(PolarisServerExtension polaris, String name, String target, int rate, String duration,
      String... extraArgs) {
    String[] args = new String[4 + extraArgs.length];
    args[0] = "--target=" + target;
    args[1] = "--rate=" + rate;
    args[2] = "--duration=" + duration;
    args[3] = "--deadline=3s";
    System.arraycopy(extraArgs, 0, args, 4, extraArgs.length);
    return ForkedApp.main(EchoConsumer.class).name(name).withAgent()
        .property("polaris.address", polaris.grpcAddress())
        .property("polaris.service", "echo-consumer")
        .property("polaris.loadbalancer", "round_robin")
        .args(args)
        .start();
  }

  /** The last PROGRESS line of a consumer, or an empty progress if none yet. */
  static Progress progress(ForkedApp consumer) {
    Progress last = new Progress(0, 0, 0, new HashMap<>());
    for (String line : consumer.lines()) {
      Matcher m = PROGRESS.matcher(line);
      if (m.matches()) {
        Map<String, Long> perInstance = new HashMap<>();
        for (String pair : m.group(5).split(",")) {
          int colon = pair.lastIndexOf(':');
          if (colon > 0) {
            perInstance.put(pair.substring(0, colon), Long.parseLong(pair.substring(colon + 1)));
          }
        }
        last = new Progress(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
            perInstance);
      }
    }
    return last;
  }

  /** Cumulative counts of a consumer at one moment. */
  record Progress(long sent, long ok, long failed, Map<String, Long> perInstance) {
    long answeredBy(String instance) {
      return perInstance.getOrDefault(instance, 0L);
    }
  }
}
