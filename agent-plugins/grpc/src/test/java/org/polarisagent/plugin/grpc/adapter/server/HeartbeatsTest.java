package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HeartbeatsTest {

  private static final long TTL_MILLIS = 5_000;
  private static final InstanceSpec INSTANCE = new InstanceSpec("default", "echo", "10.0.0.1", 1);

  private final List<String> events = new ArrayList<>();
  private final FakeClock clock = new FakeClock(events);
  private final FakeScheduler scheduler = new FakeScheduler(clock, false);
  private final ScriptedBeat beat = new ScriptedBeat();
  private final Heartbeats heartbeats = new Heartbeats(scheduler, clock, TTL_MILLIS, beat);

  /**
   * Answers beats from a script of outcomes: "ok", "failed" (may pass), "refused" (a bad request)
   * or "not found"; then "ok".
   */
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

    @Override
    public boolean refused(Throwable failure) {
      return "refused".equals(failure.getMessage());
    }

    @Override
    public String describe(Throwable failure) {
      return failure.getMessage();
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
  void aFailedBeatIsTriedAgainEverySecondNotAfterAWholeTtl() {
    beat.outcomes.addAll(Arrays.asList("failed", "failed", "failed"));
    heartbeats.start(INSTANCE);
    beats(5);
    assertEquals(
        Arrays.asList("beat failed", "beat failed", "beat failed", "beat ok", "beat ok"), events);
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
  void afterThreeTtlsOfFailuresTheBeatsGoOnceATtl() {
    for (int i = 0; i < 20; i++) {
      beat.outcomes.add("failed");
    }
    heartbeats.start(INSTANCE);
    beats(20);
    long fast = scheduler.delays.stream().filter(d -> d == Heartbeats.RETRY_MILLIS).count();
    assertEquals(Heartbeats.FAST_RETRY_TTLS * TTL_MILLIS / Heartbeats.RETRY_MILLIS, fast);
    assertEquals(TTL_MILLIS, (long) scheduler.delays.get(scheduler.delays.size() - 1));
  }

  @Test
  void aRefusedRequestIsNotRetriedFaster() {
    beat.outcomes.addAll(Arrays.asList("refused", "refused"));
    heartbeats.start(INSTANCE);
    beats(3);
    assertEquals(Arrays.asList("beat refused", "beat refused", "beat ok"), events);
    assertEquals(Arrays.asList(TTL_MILLIS, TTL_MILLIS, TTL_MILLIS, TTL_MILLIS), scheduler.delays);
  }

  @Test
  void twoNotFoundInARowRegisterTheInstanceAgain() {
    beat.outcomes.addAll(Arrays.asList("not found", "failed", "not found", "not found"));
    heartbeats.start(INSTANCE);
    beats(5);
    assertEquals(
        Arrays.asList(
            "beat not found",
            "beat failed",
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

  @Test
  void stopDoesNotWaitForABeatUnderWayAndNoReRegistrationFollowsIt() throws Exception {
    CountDownLatch inSecondBeat = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    Heartbeats.Beat notFound =
        new Heartbeats.Beat() {
          @Override
          public void beat(InstanceSpec instance) throws Exception {
            calls.add("beat");
            if (calls.size() == 2) {
              inSecondBeat.countDown();
              release.await();
            }
            throw new IllegalStateException("not found");
          }

          @Override
          public void reRegister(InstanceSpec instance) {
            calls.add("register again");
          }

          @Override
          public boolean notFound(Throwable failure) {
            return true;
          }

          @Override
          public boolean refused(Throwable failure) {
            return false;
          }

          @Override
          public String describe(Throwable failure) {
            return failure.getMessage();
          }
        };
    FakeScheduler manual = new FakeScheduler();
    Heartbeats beats = new Heartbeats(manual, Clock.SYSTEM, TTL_MILLIS, notFound);
    beats.start(INSTANCE);
    manual.runNext(); // "not found" once
    Thread second = new Thread(manual::runNext); // the second would register again
    second.start();
    assertTrue(inSecondBeat.await(10, TimeUnit.SECONDS));
    Thread stopper = new Thread(() -> beats.stop(INSTANCE));
    stopper.start();
    stopper.join(5_000);
    boolean stopReturned = !stopper.isAlive();
    release.countDown();
    second.join(10_000);
    assertTrue(stopReturned, "stop() waited for the beat under way");
    assertFalse(second.isAlive());
    assertEquals(Arrays.asList("beat", "beat"), calls);
    assertEquals(0, manual.pending());
  }
}
