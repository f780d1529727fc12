package org.polarisagent.plugin.grpc.balance;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consistent hashing on a ring with virtual nodes in proportion to weight: a key keeps its endpoint
 * while that endpoint stays, and only about 1/n of the keys move when one joins or leaves.
 * Immutable.
 */
final class RingHashSelector implements Selector {

  private static final int NODES_PER_WEIGHT_UNIT = 160;

  private final long[] points;
  private final int[] owners;
  private final int size;

  RingHashSelector(int[] weights, String[] ids) {
    size = weights.length;
    int maxWeight = 1;
    for (int weight : weights) {
      maxWeight = Math.max(maxWeight, weight);
    }
    int total = 0;
    int[] nodes = new int[size];
    for (int i = 0; i < size; i++) {
      nodes[i] =
          Math.max(1, (int) ((long) NODES_PER_WEIGHT_UNIT * Math.max(weights[i], 1) / maxWeight));
      total += nodes[i];
    }
    long[][] ring = new long[total][];
    int k = 0;
    for (int i = 0; i < size; i++) {
      for (int v = 0; v < nodes[i]; v++) {
        ring[k++] = new long[] {Hashing.hash(ids[i] + '#' + v), i};
      }
    }
    Arrays.sort(ring, (a, b) -> Long.compare(a[0], b[0]));
    points = new long[total];
    owners = new int[total];
    for (int j = 0; j < total; j++) {
      points[j] = ring[j][0];
      owners[j] = (int) ring[j][1];
    }
  }

  @Override
  public int select(CharSequence hashKey) {
    if (hashKey == null) {
      return ThreadLocalRandom.current().nextInt(size);
    }
    int at = Arrays.binarySearch(points, Hashing.hash(hashKey));
    if (at < 0) {
      at = -at - 1;
    }
    return owners[at == points.length ? 0 : at];
  }
}
