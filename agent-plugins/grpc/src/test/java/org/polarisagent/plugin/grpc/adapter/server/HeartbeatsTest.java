package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatsTest {

  private static final long TTL_MILLIS = 5_000;
  private static final InstanceSpec INSTANCE = new InstanceSpec("default", "echo", "10.0.0.1", 1);

  private final List<String> events = new ArrayList<>();
  private final FakeClock clock = new FakeClock(events);
  private final FakeScheduler scheduler = new FakeScheduler(clock, false);
  private final ScriptedBeat beat = new ScriptedBeat();
  private final Heartbeats heartbeats = new Heartbeats(scheduler, clock, TTL_MILLIS, beat);

  /** Answers beats from a script of outcomes: "ok", "refused" or "not found"; then "ok". */
  private final class ScriptedBeat implements Heartbeats.Beat {
    final Deque<String> outcomes = new ArrayDeque<>();

    @Override
    public void beat(InstanceSpec instance) {
      String outcome = outcomes.isEmpty() ? "ok" : outcomes.poll();
      events.add("beat " + outcome);
      if (!outcome.equals("ok")) {
        throw new IllegalStateException(outcome);
      }
    }

    @Override
    public void reRegister(InstanceSpec instance) {
      events.add("register again");
    }

    @Override
    public boolean notFound(Throwable failure) {
      return "not found".equals(failure.getMessage());
    }
  }

  private void beats(int count) {
    for (int i = 0; i < count; i++) {
      scheduler.runNext();
    }
  }

  @Test
  void beatsOncePerTtlWhileAccepted() {
    heartbeats.start(INSTANCE);
    beats(3);
    assertEquals(Arrays.asList("beat ok", "beat ok", "beat ok"), events);
    assertEquals(Arrays.asList(TTL_MILLIS, TTL_MILLIS, TTL_MILLIS, TTL_MILLIS), scheduler.delays);
  }

  @Test
  void aRefusedBeatIsTriedAgainEverySecondNotAfterAWholeTtl() {
    beat.outcomes.addAll(Arrays.asList("refused", "refused", "refused"));
    heartbeats.start(INSTANCE);
    beats(5);
    assertEquals(
        Arrays.asList("beat refused", "beat refused", "beat refused", "beat ok", "beat ok"),
        events);
    assertEquals(
        Arrays.asList(
            TTL_MILLIS,
            Heartbeats.RETRY_MILLIS,
            Heartbeats.RETRY_MILLIS,
            Heartbeats.RETRY_MILLIS,
            TTL_MILLIS,
            TTL_MILLIS),
        scheduler.delays);
  }

  @Test
  void twoNotFoundInARowRegisterTheInstanceAgain() {
    beat.outcomes.addAll(Arrays.asList("not found", "refused", "not found", "not found"));
    heartbeats.start(INSTANCE);
    beats(5);
    assertEquals(
        Arrays.asList(
            "beat not found",
            "beat refused",
            "beat not found",
            "beat not found",
            "register again",
            "beat ok"),
        events);
  }

  @Test
  void stopEndsTheBeatsAndStartDoesNotDoubleThem() {
    heartbeats.start(INSTANCE);
    heartbeats.start(INSTANCE);
    assertEquals(1, scheduler.pending());
    beats(1);
    heartbeats.stop(INSTANCE);
    assertEquals(0, scheduler.pending());
    assertFalse(scheduler.runNext());
    assertEquals(Arrays.asList("beat ok"), events);
  }
}
