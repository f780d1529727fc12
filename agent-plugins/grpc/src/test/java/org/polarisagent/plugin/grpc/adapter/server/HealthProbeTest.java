package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.util.Collections;
import org.junit.jupiter.api.Test;

class HealthProbeTest {

  private final FakeHealthService health = new FakeHealthService();
  private final HealthProbe probe = HealthProbe.of(health.services());

  @Test
  void readsTheStatusTheHealthServiceAnswersForTheWholeServer() {
    assertEquals(HealthProbe.Result.SERVING, probe.check());
    assertArrayEquals(new byte[0], health.requests.get(0), "service \"\": an empty request");

    health.status = FakeHealthService.NOT_SERVING;
    assertEquals(HealthProbe.Result.NOT_SERVING, probe.check());

    health.status = 0; // UNKNOWN, left out of the message as proto3 does
    assertEquals(HealthProbe.Result.NOT_SERVING, probe.check());
  }

  @Test
  void aCheckThatFailsOrDoesNotAnswerIsUnreadable() {
    health.failure = Status.UNAUTHENTICATED;
    assertEquals(HealthProbe.Result.UNREADABLE, probe.check());

    health.failure = null;
    health.silent = true;
    assertEquals(HealthProbe.Result.UNREADABLE, probe.check());
  }

  @Test
  void aHandlerThatThrowsIsUnreadable() {
    health.throwing = true;
    assertEquals(HealthProbe.Result.UNREADABLE, probe.check());
  }

  @Test
  void aHandlerStuckInItsCheckHoldsUpOnlyItsOwnThreadAndLaterChecksAnswerAtOnce() {
    health.blocking = new java.util.concurrent.CountDownLatch(1);
    Thread caller = Thread.currentThread();
    assertEquals(HealthProbe.Result.UNREADABLE, probe.check());
    long before = System.nanoTime();
    assertEquals(HealthProbe.Result.UNREADABLE, probe.check(), "still stuck");
    assertTrue(
        System.nanoTime() - before
            < java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(HealthProbe.ANSWER_MILLIS),
        "no second wait while the first check is stuck");
    assertEquals(getClass().getClassLoader(), health.contextLoader, "the handler's loader");
    assertTrue(caller.isAlive());

    health.blocking.countDown();
    org.polarisagent.plugin.grpc.Await.until(
        () -> probe.check() == HealthProbe.Result.SERVING,
        "checks answering again once the handler returned");
  }

  @Test
  void aServerWithoutAHealthServiceHasNoProbe() {
    assertNull(HealthProbe.of(Collections.<ServerServiceDefinition>emptyList()));
    assertNull(
        HealthProbe.of(
            Collections.singletonList(ServerServiceDefinition.builder("echo.Echo").build())));
  }
}
