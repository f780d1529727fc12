package org.polarisagent.plugin.grpc.balance;

import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deterministic subsetting ({@code polaris.loadbalancer.subset-size}): which instances a channel
 * connects to. Instances stand on a circle in the order of a hash of their address, the same order
 * in every consumer; a channel gets a place on that circle once, and its subset is the {@code size}
 * instances from its place on. The channels of one application to one service get places {@code
 * size / instances} apart, so that together they cover the circle evenly (20 channels with subsets
 * of 5 over 50 instances: each instance in exactly 2 subsets); when one instance comes or goes, a
 * subset changes by at most two instances. Applications start at a random place each. Thread-safe.
 */
public final class Subsetting {

  private final int size;
  private final double start = ThreadLocalRandom.current().nextDouble();
  private final ConcurrentMap<String, AtomicInteger> channels = new ConcurrentHashMap<>();

  /**
   * @param size how many instances a channel connects to; 0 for all of them
   */
  public Subsetting(int size) {
    this.size = size;
  }

  public boolean isOn() {
    return size > 0;
  }

  public int size() {
    return size;
  }

  /**
   * The place, in [0, 1), of a new channel to {@code service}, given how many instances it first
   * sees.
   */
  public double placeOfNewChannel(String service, int instances) {
    int channel = channels.computeIfAbsent(service, any -> new AtomicInteger()).getAndIncrement();
    double place = start + channel * (double) size / Math.max(1, instances);
    return place - Math.floor(place);
  }

  /**
   * The indices of the instances in the subset of the channel at {@code place}: the instances from
   * there on until {@link #size()} of them are not {@code failing} (all of them when there are no
   * more).
   *
   * @param ids each instance's address ({@code host:port})
   * @param failing which instances are known to be unreachable
   */
  public int[] choose(String[] ids, double place, boolean[] failing) {
    int n = ids.length;
    if (n <= size) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    Integer[] circle = new Integer[n];
    long[] hashes = new long[n];
    for (int i = 0; i < n; i++) {
      circle[i] = i;
      hashes[i] = Hashing.hash(ids[i]);
    }
    Arrays.sort(
        circle, Comparator.<Integer>comparingLong(i -> hashes[i]).thenComparing(i -> ids[i]));
    int from = Math.min(n - 1, (int) (place * n));
    int[] chosen = new int[n];
    int taken = 0;
    int working = 0;
    while (working < size && taken < n) {
      int index = circle[(from + taken) % n];
      chosen[taken++] = index;
      if (!failing[index]) {
        working++;
      }
    }
    return Arrays.copyOf(chosen, taken);
  }
}
