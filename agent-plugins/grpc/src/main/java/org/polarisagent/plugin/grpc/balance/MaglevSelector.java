package org.polarisagent.plugin.grpc.balance;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Maglev consistent hashing: a lookup table filled from per-endpoint permutations in proportion to
 * weight, so a key maps in O(1) and endpoints get near-equal shares. Immutable.
 */
final class MaglevSelector implements ConsistentHash {

  private static final int TABLE_SIZE = 65537; // prime

  private final int[] table = new int[TABLE_SIZE];
  private final int size;

  /** How many slots each endpoint owns. */
  private final int[] owned;

  MaglevSelector(int[] weights, String[] ids) {
    size = weights.length;
    owned = new int[size];
    long[] offset = new long[size];
    long[] skip = new long[size];
    long[] next = new long[size];
    int maxWeight = 1;
    for (int i = 0; i < size; i++) {
      long h = Hashing.hash(ids[i]);
      offset[i] = (h >>> 1) % TABLE_SIZE;
      skip[i] = ((h >>> 33) % (TABLE_SIZE - 1)) + 1;
      maxWeight = Math.max(maxWeight, weights[i]);
    }
    Arrays.fill(table, -1);
    double[] credit = new double[size];
    int filled = 0;
    while (filled < TABLE_SIZE) {
      for (int i = 0; i < size && filled < TABLE_SIZE; i++) {
        credit[i] += Math.max(weights[i], 1) / (double) maxWeight;
        if (credit[i] < 1) {
          continue;
        }
        credit[i] -= 1;
        int slot;
        do {
          slot = (int) ((offset[i] + next[i] * skip[i]) % TABLE_SIZE);
          next[i]++;
        } while (table[slot] >= 0);
        table[slot] = i;
        owned[i]++;
        filled++;
      }
    }
  }

  @Override
  public int select(CharSequence hashKey) {
    if (hashKey == null) {
      return ThreadLocalRandom.current().nextInt(size);
    }
    return table[position(Hashing.hash(hashKey))];
  }

  @Override
  public int positions() {
    return TABLE_SIZE;
  }

  @Override
  public int position(long keyHash) {
    return (int) ((keyHash >>> 1) % TABLE_SIZE);
  }

  @Override
  public int positionsOf(int endpoint) {
    return owned[endpoint];
  }

  @Override
  public int owner(int position) {
    return table[position];
  }
}
