package org.polarisagent.plugin.grpc.balance;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Consistent hashing on a ring with virtual nodes in proportion to weight: a key keeps its endpoint
 * while that endpoint stays, and only about 1/n of the keys move when one joins or leaves.
 * Immutable.
 */
final class RingHashSelector implements ConsistentHash {

  private static final int NODES_PER_WEIGHT_UNIT = 160;

  /** The low bits of a ring point that hold its owner's index (up to 16M endpoints). */
  private static final int OWNER_BITS = 24;

  private static final long OWNER_MASK = (1L << OWNER_BITS) - 1;

  /**
   * The ring, sorted: each point's high bits are its place on the ring, its low {@value
   * #OWNER_BITS} bits the endpoint owning it (one primitive sort, no object per point).
   */
  private final long[] points;

  /** Each endpoint's identity and number of points, to build the next ring from this one. */
  private final String[] ids;

  private final int[] nodes;

  RingHashSelector(int[] weights, String[] ids) {
    this(weights, ids, null);
  }

  /**
   * A ring over these endpoints that takes from {@code previous} (if not null) the points of each
   * endpoint that keeps its number of points, instead of hashing and sorting them again: when one
   * instance of thousands comes or goes, only its points are made and merged in.
   */
  RingHashSelector(int[] weights, String[] ids, RingHashSelector previous) {
    this.ids = ids;
    int size = weights.length;
    int maxWeight = 1;
    for (int weight : weights) {
      maxWeight = Math.max(maxWeight, weight);
    }
    nodes = new int[size];
    int total = 0;
    for (int i = 0; i < size; i++) {
      nodes[i] =
          Math.max(1, (int) ((long) NODES_PER_WEIGHT_UNIT * Math.max(weights[i], 1) / maxWeight));
      total += nodes[i];
    }
    boolean[] kept = new boolean[size];
    long[] reused = previous == null ? new long[0] : previous.pointsKeptFor(ids, nodes, kept);
    long[] made = new long[total - reused.length];
    int k = 0;
    for (int i = 0; i < size; i++) {
      if (!kept[i]) {
        long base = Hashing.hash(ids[i]);
        for (int v = 0; v < nodes[i]; v++) {
          made[k++] = (Hashing.mix(base + v * 0x9E3779B97F4A7C15L) & ~OWNER_MASK) | i;
        }
      }
    }
    Arrays.sort(made);
    points = merge(reused, made);
  }

  /**
   * This ring's points of the endpoints that keep their number of points in the next ring ({@code
   * nextIds}, {@code nextNodes}), in ring order, renumbered to their index there; marks them in
   * {@code kept}.
   */
  private long[] pointsKeptFor(String[] nextIds, int[] nextNodes, boolean[] kept) {
    Map<String, Integer> nextIndex = new HashMap<>(nextIds.length * 2);
    for (int i = 0; i < nextIds.length; i++) {
      nextIndex.put(nextIds[i], i);
    }
    int[] renumbered = new int[ids.length];
    int count = 0;
    for (int j = 0; j < ids.length; j++) {
      Integer i = nextIndex.get(ids[j]);
      renumbered[j] = i != null && nextNodes[i] == nodes[j] && !kept[i] ? i : -1;
      if (renumbered[j] >= 0) {
        kept[i] = true;
        count += nodes[j];
      }
    }
    long[] reused = new long[count];
    int k = 0;
    for (long point : points) {
      int i = renumbered[(int) (point & OWNER_MASK)];
      if (i >= 0) {
        reused[k++] = (point & ~OWNER_MASK) | i;
      }
    }
    return reused;
  }

  /** Two sorted arrays as one sorted array. */
  private static long[] merge(long[] a, long[] b) {
    long[] merged = new long[a.length + b.length];
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < a.length && j < b.length) {
      merged[k++] = a[i] <= b[j] ? a[i++] : b[j++];
    }
    while (i < a.length) {
      merged[k++] = a[i++];
    }
    while (j < b.length) {
      merged[k++] = b[j++];
    }
    for (int p = 1; p < merged.length; p++) {
      if (merged[p - 1] > merged[p]) {
        // Two points of equal place whose owners were renumbered in the other order: rare.
        Arrays.sort(merged);
        break;
      }
    }
    return merged;
  }

  @Override
  public int select(CharSequence hashKey) {
    if (hashKey == null) {
      return ThreadLocalRandom.current().nextInt(nodes.length);
    }
    return owner(position(Hashing.hash(hashKey)));
  }

  @Override
  public int positions() {
    return points.length;
  }

  @Override
  public int position(long keyHash) {
    int at = Arrays.binarySearch(points, keyHash | OWNER_MASK);
    if (at < 0) {
      at = -at - 1;
    }
    return at == points.length ? 0 : at;
  }

  @Override
  public int positionsOf(int endpoint) {
    return nodes[endpoint];
  }

  @Override
  public int owner(int position) {
    return (int) (points[position] & OWNER_MASK);
  }
}
