package org.polarisagent.plugin.grpc.balance;

import java.util.concurrent.ThreadLocalRandom;

/** Picks at random in proportion to weight; equal chances when every weight is 0. Immutable. */
final class WeightedRandomSelector implements Selector {

  private final int[] cumulative;
  private final int total;

  WeightedRandomSelector(int[] weights) {
    cumulative = new int[weights.length];
    int sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i]);
      cumulative[i] = sum;
    }
    total = sum;
  }

  @Override
  public int select(CharSequence hashKey) {
    int n = cumulative.length;
    if (total == 0) {
      return ThreadLocalRandom.current().nextInt(n);
    }
    int point = ThreadLocalRandom.current().nextInt(total);
    int low = 0;
    int high = n - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (cumulative[mid] > point) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }
}
