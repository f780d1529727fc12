package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A clock that never sleeps: {@link #sleepUntil} jumps to the deadline and records it, {@link
 * #await} jumps to the deadline unless the latch is already open. With a gate, a sleeper instead
 * blocks until the test opens the gate, so a test can hold callers inside the drain delay.
 */
final class FakeClock implements Clock {

  private final List<String> events;
  private long now = 1_000_000_000L;
  private long slept;
  private final List<Long> deadlines = new ArrayList<>();
  private int sleepers;
  private CountDownLatch gate;

  FakeClock(List<String> events) {
    this.events = events;
  }

  /** From now on sleepers block until {@link #openGate()}. */
  synchronized void closeGate() {
    gate = new CountDownLatch(1);
  }

  void openGate() {
    CountDownLatch current;
    synchronized (this) {
      current = gate;
    }
    current.countDown();
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public void sleepUntil(long deadlineNanos) throws InterruptedException {
    CountDownLatch current;
    synchronized (this) {
      deadlines.add(deadlineNanos);
      sleepers++;
      current = gate;
    }
    synchronized (events) {
      events.add("sleep until +" + (deadlineNanos - 1_000_000_000L) / 1_000_000 + " ms");
    }
    if (current != null) {
      current.await();
    }
    synchronized (this) {
      if (deadlineNanos > now) {
        slept += deadlineNanos - now;
        now = deadlineNanos;
      }
    }
  }

  @Override
  public boolean await(CountDownLatch latch, long deadlineNanos) {
    if (latch.getCount() == 0) {
      return true;
    }
    advanceTo(deadlineNanos);
    return latch.getCount() == 0;
  }

  /** Moves the clock forward to the given time; never backwards. */
  synchronized void advanceTo(long nanos) {
    if (nanos > now) {
      now = nanos;
    }
  }

  /** Milliseconds since the clock was made. */
  synchronized long elapsedMillis() {
    return (now - 1_000_000_000L) / 1_000_000;
  }

  synchronized long sleptMillis() {
    return slept / 1_000_000;
  }

  synchronized int sleepers() {
    return sleepers;
  }

  synchronized List<Long> deadlines() {
    return new ArrayList<>(deadlines);
  }
}
