package org.polarisagent.plugin.grpc.balance;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Takes the endpoints in turn, starting at a random one. Thread-safe. */
final class RoundRobinSelector implements Selector {

  private final int size;
  private final AtomicInteger next;

  RoundRobinSelector(int size) {
    this.size = size;
    this.next = new AtomicInteger(ThreadLocalRandom.current().nextInt(size));
  }

  @Override
  public int select(CharSequence hashKey) {
    return (next.getAndIncrement() & Integer.MAX_VALUE) % size;
  }
}
