package org.polarisagent.bench.load;

import static org.polarisagent.bench.load.Numbers.median;
import static org.polarisagent.bench.load.Numbers.millisList;
import static org.polarisagent.bench.load.Numbers.ms;
import static org.polarisagent.bench.load.Numbers.str;
import static org.polarisagent.bench.load.SystemBench.AT;
import static org.polarisagent.bench.load.SystemBench.CONVERGE_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.EXIT_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.FIRST_CALL;
import static org.polarisagent.bench.load.SystemBench.READY;
import static org.polarisagent.bench.load.SystemBench.REGISTERED;
import static org.polarisagent.bench.load.SystemBench.SERVED;
import static org.polarisagent.bench.load.SystemBench.SERVICE;
import static org.polarisagent.bench.load.SystemBench.START_TIMEOUT;
import static org.polarisagent.bench.load.SystemBench.STOPPED;
import static org.polarisagent.bench.load.SystemBench.progress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.polarisagent.testing.ChildProcess;
import org.polarisagent.testing.LineValues;
import org.polarisagent.testing.WallClock;

/**
 * Figures 3 to 5 of the system benchmark: convergence, rolling restart and crash, under one steady
 * consumer.
 */
record EventFigures(SystemBench bench) {

  // ---- 3, 4, 5: convergence, rolling restart, crash

  void events(List<ChildProcess> providers) throws Exception {
    progress("3-5: steady consumer at " + bench.rate + " calls/s with the agent");
    Map<String, String> props = new LinkedHashMap<>();
    props.put("polaris.service", "bench-steady");
    props.put("polaris.log.level", "debug");
    ChildProcess consumer =
        bench.start(
            true,
            "steady-consumer",
            props,
            SteadyClient.class,
            "--target=polaris://" + SERVICE,
            "--rate=" + bench.rate,
            "--deadline=2s",
            "--max-duration=5m");
    List<Long> readyToFirst = new ArrayList<>();
    List<Long> termToLast = new ArrayList<>();
    List<Long> termToExit = new ArrayList<>();
    List<Long> registration = new ArrayList<>();
    try {
      for (ChildProcess provider : providers) {
        consumer.awaitLine(Pattern.compile("^SEEN name=" + provider.label() + " "), START_TIMEOUT);
      }
      Thread.sleep(3000);
      consumer.send("phase rolling");
      long rollingStart = WallClock.micros();
      for (int i = 0; i < providers.size(); i++) {
        ChildProcess old = providers.get(i);
        progress("4: rolling restart of " + old.label());
        long termAt = WallClock.micros();
        old.sigterm();
        ChildProcess replacement =
            bench.startProvider(old.label().replaceAll("-.*", "") + "-r" + (i + 1), SERVICE, true);
        providers.set(i, replacement);
        long ready = LineValues.number(AT, replacement.awaitLine(READY, START_TIMEOUT).text());
        long first =
            LineValues.number(AT, replacement.awaitLine(FIRST_CALL, CONVERGE_TIMEOUT).text());
        readyToFirst.add(first - ready);
        registration.add(registrationMillis(replacement));
        String served = old.awaitLine(SERVED, EXIT_TIMEOUT).text();
        long stopped = LineValues.number(AT, old.awaitLine(STOPPED, EXIT_TIMEOUT).text());
        old.awaitExit(EXIT_TIMEOUT);
        termToLast.add(LineValues.field(served, "last-us") - termAt);
        termToExit.add(stopped - termAt);
      }
      long rollingEnd = WallClock.micros();
      Thread.sleep(3000);
      consumer.send("phase crash");
      Thread.sleep(3000);
      ChildProcess victim = providers.get(1);
      progress("5: SIGKILL of " + victim.label());
      victim.sigkill();
      long killAt = WallClock.micros();
      victim.awaitExit(Duration.ofSeconds(10));
      long goneAt = WallClock.micros();
      Thread.sleep(5000);
      ChildProcess replacement =
          bench.startProvider(victim.label().replaceAll("-.*", "") + "-c", SERVICE, true);
      providers.set(1, replacement);
      long ready = LineValues.number(AT, replacement.awaitLine(READY, START_TIMEOUT).text());
      long crashReplacement =
          LineValues.number(AT, replacement.awaitLine(FIRST_CALL, CONVERGE_TIMEOUT).text()) - ready;
      registration.add(registrationMillis(replacement));
      Thread.sleep(2000);
      consumer.send("stop");
      consumer.awaitLine(Pattern.compile("^DONE"), Duration.ofSeconds(30));
      consumer.awaitExit(EXIT_TIMEOUT);

      String rolling =
          consumer.awaitLine(Pattern.compile("^PHASE name=rolling "), Duration.ZERO).text();
      String crash =
          consumer.awaitLine(Pattern.compile("^PHASE name=crash "), Duration.ZERO).text();
      List<long[]> failures =
          consumer.linesMatching(Pattern.compile("^FAILED ")).stream()
              .map(
                  l ->
                      new long[] {
                        LineValues.field(l.text(), "start-us"), LineValues.field(l.text(), "end-us")
                      })
              .toList();
      convergenceRows(readyToFirst, crashReplacement, termToLast, termToExit);
      rollingRows(rolling, failures, rollingStart, rollingEnd);
      crashRows(crash, failures, killAt, goneAt, crashReplacement);
      bench
          .details
          .append("### 3-5. Events\n\n")
          .append("- READY → first call of each replacement in the rolling restart (ms): ")
          .append(millisList(readyToFirst))
          .append("; after the crash: ")
          .append(crashReplacement / 1000)
          .append("\n- of which start() → registered in Polaris (the agent's own log line, ms): ")
          .append(registration.stream().map(String::valueOf).collect(Collectors.joining(", ")))
          .append("\n- SIGTERM → last call served (ms): ")
          .append(millisList(termToLast))
          .append("\n- SIGTERM → process exit (ms): ")
          .append(millisList(termToExit))
          .append("\n- consumer phases: `")
          .append(rolling)
          .append("`, `")
          .append(crash)
          .append("`\n")
          .append("- failed calls (start, end relative to the SIGKILL, ms): ")
          .append(
              failures.isEmpty()
                  ? "none"
                  : failures.stream()
                      .map(
                          f ->
                              String.format(
                                  Locale.ROOT,
                                  "%+.1f..%+.1f",
                                  (f[0] - killAt) / 1000.0,
                                  (f[1] - killAt) / 1000.0))
                      .collect(Collectors.joining(", ")))
          .append("\n\n");
    } finally {
      consumer.kill();
    }
  }

  /**
   * The agent's {@code registered ... N ms after start} line of a provider; -1 if it has not logged
   * it.
   */
  private static long registrationMillis(ChildProcess provider) {
    Matcher matcher = REGISTERED.matcher(provider.stderr());
    return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
  }

  private void convergenceRows(
      List<Long> readyToFirst,
      long crashReplacement,
      List<Long> termToLast,
      List<Long> termToExit) {
    List<Long> all = new ArrayList<>(readyToFirst);
    all.add(crashReplacement);
    long median = median(all);
    long max = all.stream().mapToLong(Long::longValue).max().orElse(0);
    bench.table.row(
        "3. Convergence",
        "new provider: start() → its first call, ms (median / max of " + all.size() + ")",
        median / 1000 + " / " + max / 1000,
        "",
        "",
        "≤ 3000 ms",
        bench.met(
            max <= 3_000_000,
            "a new provider was first called " + max / 1000 + " ms after start()"));
    bench.table.row(
        "3. Convergence",
        "provider SIGTERM → its last call, ms (median / max of " + termToLast.size() + ")",
        median(termToLast) / 1000
            + " / "
            + termToLast.stream().mapToLong(Long::longValue).max().orElse(0) / 1000,
        "",
        "",
        "none (below the 6000 ms drain of polaris.grpc.server.shutdown-delay"
            + " = consumers left first)",
        "");
    bench.valueRow(
        "3. Convergence",
        "provider SIGTERM → process exit, ms (median)",
        median(termToExit) / 1000 + "");
  }

  private void rollingRows(String phase, List<long[]> failures, long from, long until) {
    long failed = LineValues.field(phase, "failed");
    long inWindow = failures.stream().filter(f -> f[1] >= from && f[1] <= until).count();
    bench.table.row(
        "4. Rolling restart (3 providers, " + str((long) bench.rate) + " calls/s)",
        "failed calls (of " + LineValues.field(phase, "sent") + ")",
        str(failed),
        "",
        "",
        "0",
        bench.met(failed == 0, "rolling restart: " + failed + " failed calls"));
    bench.valueRow(
        "4. Rolling restart",
        "worst / p99 latency, ms",
        ms(LineValues.field(phase, "maxus")) + " / " + ms(LineValues.field(phase, "p99us")));
    if (inWindow != failed) {
      bench
          .details
          .append("Note: ")
          .append(failed - inWindow)
          .append(" failed calls of the rolling phase ended after the last restart.\n\n");
    }
  }

  /**
   * A call counts as in flight at the crash if it started before the killed process was reaped:
   * until then the process may still hold its sockets open (a JVM takes some milliseconds to die).
   */
  private void crashRows(
      String phase, List<long[]> failures, long killAt, long goneAt, long replacementMicros) {
    long failed = LineValues.field(phase, "failed");
    List<long[]> crashFailures = failures.stream().filter(f -> f[1] >= killAt - 1_000_000).toList();
    long startedAfter = crashFailures.stream().filter(f -> f[0] > goneAt).count();
    long lastEnd = crashFailures.stream().mapToLong(f -> f[1]).max().orElse(killAt);
    bench.table.row(
        "5. Crash (SIGKILL of 1 of 3)",
        "failed calls (of them started after the process was gone)",
        failed + " (" + startedAfter + ")",
        "",
        "",
        "only in-flight (0 started after)",
        bench.met(
            startedAfter == 0,
            "after the SIGKILL " + startedAfter + " calls that started later failed"));
    bench.details.append(
        String.format(
            Locale.ROOT,
            "SIGKILL sent → process reaped: %.1f ms.%n%n",
            (goneAt - killAt) / 1000.0));
    bench.valueRow(
        "5. Crash",
        "SIGKILL → last failed call ended, ms",
        crashFailures.isEmpty()
            ? "no failure"
            : String.format(Locale.ROOT, "%.1f", (lastEnd - killAt) / 1000.0));
    bench.valueRow(
        "5. Crash", "worst latency in the crash phase, ms", ms(LineValues.field(phase, "maxus")));
    bench.table.row(
        "5. Crash",
        "replacement: start() → its first call, ms",
        str(replacementMicros / 1000),
        "",
        "",
        "≤ 3000 ms",
        bench.met(
            replacementMicros <= 3_000_000,
            "the crash replacement was first called "
                + replacementMicros / 1000
                + " ms after start()"));
  }
}
