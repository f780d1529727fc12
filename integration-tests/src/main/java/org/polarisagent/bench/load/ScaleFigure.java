package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.str;
import static org.polarisagent.bench.load.SystemBench.EXIT_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.START_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.port;
import static org.polarisagent.bench.load.SystemBench.progress;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.samples.EchoProvider;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.HarnessFailure;
import org.polarisagent.testing.PolarisOpenApi;
import org.polarisagent.testing.WallClock;

/**
 * Figure 7 of the system benchmark: scale. A service of 1,001 and of 5,001 instances registered
 * through the OpenAPI, one real ({@link TrafficProvider} without the agent) and the others on
 * closed loopback ports, as a user would try it: a {@link SteadyClient} with the agent ({@code
 * polaris://}, {@code round_robin}) against one without it (gRPC's {@code round_robin} over the
 * same addresses), each in a fresh JVM for {@value #RUN_SECONDS} s; while the one with the agent
 * runs, a second real instance is registered and the time until it answers a call is taken. Then
 * 200 real instances (one {@link EchoProvider} JVM with 200 servers, no agent): a consumer with the
 * agent connecting to all of them against one with {@code polaris.loadbalancer.subset-size=5}.
 * Last, {@link ManyServicesFigure}.
 */
record ScaleFigure(SystemBench bench) {

  static final int RUN_SECONDS = 20;
  private static final int[] UNREACHABLE = {1000, 5000};
  private static final int REAL_INSTANCES = 200;
  private static final int SUBSET = 5;

  /** Where the unreachable instances are: a loopback address nothing in the benchmark binds. */
  private static final String CLOSED_HOST = "127.0.1.1";

  private static final int FIRST_CLOSED_PORT = 30000;
  private static final Pattern PORTS = Pattern.compile("ports=([\\d,]+)");
  private static final Pattern PHASE = Pattern.compile("^PHASE .* failed=(\\d+) ");

  void scale() throws Exception {
    List<ChildProcess> providers = new ArrayList<>();
    try {
      ChildProcess real = bench.startProvider("scale-real", "scale", false);
      providers.add(real);
      ChildProcess second = bench.startProvider("scale-second", "scale", false);
      providers.add(second);
      for (int unreachable : UNREACHABLE) {
        unreachableInstances(unreachable, port(real), port(second));
      }
      ChildProcess many =
          bench.start(
              false,
              "scale-many",
              Map.of(),
              EchoProvider.class,
              "--name=many",
              "--servers=" + REAL_INSTANCES,
              "--max-lifetime=10m");
      providers.add(many);
      Matcher ports = PORTS.matcher(many.awaitLine(SystemBench.READY, START_TIMEOUT).text());
      if (!ports.find()) {
        throw new HarnessFailure("no ports in the READY line of " + many.name());
      }
      subsets(ports.group(1).split(","));
      new ManyServicesFigure(bench).manyServices(ports.group(1).split(","));
    } finally {
      ChildProcess.stopAll(providers, EXIT_TIMEOUT).forEach(SystemBench::progress);
    }
  }

  /** 7a: one real instance among {@code unreachable} on closed ports; then a second real one. */
  private void unreachableInstances(int unreachable, int realPort, int secondPort)
      throws Exception {
    progress(
        "7: one real instance and " + unreachable + " on closed ports, 2 x " + RUN_SECONDS + " s");
    String service = "scale-" + unreachable;
    List<String> addresses = new ArrayList<>();
    addresses.add("127.0.0.1:" + realPort);
    for (int i = 0; i < unreachable; i++) {
      addresses.add(CLOSED_HOST + ":" + (FIRST_CLOSED_PORT + i));
    }
    register(bench.polaris.openApi(), service, addresses);
    Run agent =
        run(
            "scale-" + unreachable + "-agent",
            true,
            Map.of("polaris.loadbalancer", "round_robin", "polaris.log.level", "debug"),
            "polaris://" + service,
            consumer -> changes(consumer, service, unreachable + 1, secondPort));
    Run plain =
        run(
            "scale-" + unreachable + "-plain",
            false,
            Map.of(),
            FixedAddresses.target(String.join(",", addresses)),
            consumer -> new long[0]);
    String figure =
        String.format(
            Locale.ROOT, "7. Scale, %,d instances (%,d unreachable)", unreachable + 1, unreachable);
    bench.millisRow(
        figure, "launch → first successful call, ms", agent.firstCallMillis, plain.firstCallMillis);
    String cpu = "CPU over the " + RUN_SECONDS + " s run, s";
    bench.ratioRow(figure, cpu, agent.cpuSeconds, plain.cpuSeconds, "%.1f");
    bench.megabytesRow(
        figure,
        "resident memory at the end, after GC, MB",
        agent.footprint.rssKb(),
        plain.footprint.rssKb());
    bench.megabytesRow(
        figure, "heap used after GC, MB", agent.footprint.heapKb(), plain.footprint.heapKb());
    bench.table.row(figure, "failed calls", str(agent.failed), str(plain.failed), "", "", "");
    long[] changes = agent.measured;
    bench.valueRow(
        figure,
        "one instance added / reweighted / removed: the balancer has it, ms after the OpenAPI call",
        changes[0] + " / " + changes[1] + " / " + changes[2]);
    bench.valueRow(
        figure, "the added instance's first call, ms after its registration", str(changes[3]));
  }

  /** 7b: a consumer of 200 real instances, connected to all of them and with subsets of 5. */
  private void subsets(String[] ports) throws Exception {
    progress("7: " + ports.length + " real instances, all connected vs subsets of " + SUBSET);
    String service = "scale-real-" + ports.length;
    List<String> addresses = new ArrayList<>();
    for (String port : ports) {
      addresses.add("127.0.0.1:" + port);
    }
    register(bench.polaris.openApi(), service, addresses);
    Map<String, String> roundRobin = Map.of("polaris.loadbalancer", "round_robin");
    Run all = run("scale-all", true, roundRobin, "polaris://" + service, Run::sockets);
    Run subset =
        run(
            "scale-subset",
            true,
            Map.of(
                "polaris.loadbalancer",
                "round_robin",
                "polaris.loadbalancer.subset-size",
                String.valueOf(SUBSET)),
            "polaris://" + service,
            Run::sockets);
    String figure =
        "7. Scale, " + ports.length + " real instances, subset-size " + SUBSET + " vs all";
    bench.ratioRow(
        figure, "open sockets of the consumer", subset.measured[0], all.measured[0], "%.0f");
    String cpu = "CPU over the " + RUN_SECONDS + " s run, s";
    bench.ratioRow(figure, cpu, subset.cpuSeconds, all.cpuSeconds, "%.1f");
    bench.ratioRow(
        figure,
        "resident memory at the end, after GC, MB",
        subset.footprint.rssKb() / 1024.0,
        all.footprint.rssKb() / 1024.0,
        "%.1f");
    bench.table.row(figure, "failed calls", str(subset.failed), str(all.failed), "", "", "");
  }

  /** Registers instances of a service without health checks, 100 per request. */
  static void register(PolarisOpenApi api, String service, List<String> addresses) {
    List<JsonObject> instances = new ArrayList<>();
    for (String address : addresses) {
      instances.add(instance(service, address));
    }
    registerInstances(api, service, instances);
  }

  /** Registers these instances ({@link #instance}), 100 per request. */
  static void registerInstances(PolarisOpenApi api, String service, List<JsonObject> instances) {
    api.createService(service, "default");
    for (int from = 0; from < instances.size(); from += 100) {
      JsonArray batch = new JsonArray();
      instances.subList(from, Math.min(instances.size(), from + 100)).forEach(batch::add);
      api.post("/naming/v1/instances", batch);
    }
  }

  /** An instance of a service at {@code host:port}, healthy, weight 100, without health checks. */
  static JsonObject instance(String service, String address) {
    int colon = address.lastIndexOf(':');
    JsonObject instance = new JsonObject();
    instance.addProperty("service", service);
    instance.addProperty("namespace", "default");
    instance.addProperty("host", address.substring(0, colon));
    instance.addProperty("port", Integer.parseInt(address.substring(colon + 1)));
    instance.addProperty("protocol", "grpc");
    instance.addProperty("weight", 100);
    instance.addProperty("healthy", true);
    instance.addProperty("enable_health_check", false);
    return instance;
  }

  /**
   * While a consumer of {@code instances} instances runs (the agent logging at debug level): a
   * second real instance is registered, its weight changed, then removed; for each change, the time
   * from the OpenAPI call to the resolver's line that gives the balancer the new list; and the time
   * until the new instance answered a call.
   */
  private long[] changes(ChildProcess consumer, String service, int instances, int secondPort)
      throws Exception {
    PolarisOpenApi api = bench.polaris.openApi();
    JsonObject second = instance(service, "127.0.0.1:" + secondPort);
    Thread.sleep(3000); // calls in their steady state
    long addedAt = WallClock.micros();
    long added =
        change(consumer, instances + 1, () -> registerInstances(api, service, List.of(second)));
    ChildProcess.Line seen =
        consumer.awaitLine(Pattern.compile("^SEEN name=scale-second "), START_TIMEOUT);
    JsonObject reweighted = second.deepCopy();
    reweighted.addProperty("weight", 50);
    long weighted =
        change(consumer, instances + 1, () -> api.put("/naming/v1/instances", array(reweighted)));
    long removed =
        change(consumer, instances, () -> api.post("/naming/v1/instances/delete", array(second)));
    return new long[] {added, weighted, removed, (seen.atMicros() - addedAt) / 1000};
  }

  /** Makes a change, and waits for the resolver's next line that resolves to {@code instances}. */
  private static long change(ChildProcess consumer, int instances, Runnable change) {
    int from = consumer.stderrLines().size();
    long start = WallClock.micros();
    change.run();
    String resolved = "resolved to " + instances + " instance(s)";
    ChildProcess.Line line =
        consumer.awaitStderrLine(text -> text.contains(resolved), START_TIMEOUT, from);
    if (line == null) {
      throw new HarnessFailure(consumer.name() + ": no '" + resolved + "' line in time");
    }
    return (line.atMicros() - start) / 1000;
  }

  private static JsonArray array(JsonObject element) {
    JsonArray array = new JsonArray();
    array.add(element);
    return array;
  }

  /** Something measured while a consumer runs, after its first successful call. */
  private interface During {
    long[] measure(ChildProcess consumer) throws Exception;
  }

  /** What one consumer run gave. */
  private record Run(
      long firstCallMillis, double cpuSeconds, Footprint footprint, long failed, long[] measured) {

    /** The sockets the process has open. */
    static long[] sockets(ChildProcess consumer) throws IOException {
      long count = 0;
      try (var fds = Files.list(Paths.get("/proc", String.valueOf(consumer.pid()), "fd"))) {
        for (Path fd : (Iterable<Path>) fds::iterator) {
          try {
            count += Files.readSymbolicLink(fd).toString().startsWith("socket:") ? 1 : 0;
          } catch (IOException closedMeanwhile) {
            // not counted
          }
        }
      }
      return new long[] {count};
    }
  }

  /**
   * Runs a {@link SteadyClient} at 50 calls/s for {@value #RUN_SECONDS} s from its launch: its
   * first successful call, what {@code during} measures after it, its CPU and memory at the end.
   */
  private Run run(
      String name, boolean withAgent, Map<String, String> props, String target, During during)
      throws Exception {
    Map<String, String> agentProps = new java.util.LinkedHashMap<>(props);
    agentProps.put("polaris.service", "scale-consumer");
    ChildProcess consumer =
        bench.start(
            withAgent,
            name,
            agentProps,
            SteadyClient.class,
            "--target=" + target,
            "--rate=50",
            "--deadline=2s",
            "--max-duration=2m");
    try {
      ChildProcess.Line first = consumer.awaitLine(Pattern.compile("^SEEN "), START_TIMEOUT);
      long firstMillis = (first.nanos() - consumer.launchNanos()) / 1_000_000;
      long[] measured = during.measure(consumer);
      long left = consumer.launchNanos() + RUN_SECONDS * 1_000_000_000L - System.nanoTime();
      if (left > 0) {
        Thread.sleep(left / 1_000_000);
      }
      double cpu = cpuSeconds(consumer.pid());
      Footprint footprint = Footprint.of(consumer.pid(), bench.logs, name);
      consumer.send("stop");
      consumer.awaitLine(Pattern.compile("^DONE"), EXIT_TIMEOUT);
      long failed = 0;
      for (ChildProcess.Line line : consumer.linesMatching(PHASE)) {
        Matcher phase = PHASE.matcher(line.text());
        failed += phase.find() ? Long.parseLong(phase.group(1)) : 0;
      }
      return new Run(firstMillis, cpu, footprint, failed, measured);
    } finally {
      ChildProcess.stopAll(List.of(consumer), EXIT_TIMEOUT).forEach(SystemBench::progress);
    }
  }

  /** User and system CPU time of a process so far (from /proc, in clock ticks of 10 ms). */
  private static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Paths.get("/proc", String.valueOf(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
  }
}
