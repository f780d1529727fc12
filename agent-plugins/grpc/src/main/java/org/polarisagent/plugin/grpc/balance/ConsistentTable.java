package org.polarisagent.plugin.grpc.balance;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The table of a hash policy ({@code ring_hash}, {@code maglev}) over every instance a channel may
 * use, connected or not. Built when that list or a weight changes, not when a connection comes or
 * goes: a key whose instance can take calls stays on it, and a key whose instance cannot goes on to
 * the next one the table names (see {@link #over}). Immutable.
 */
public final class ConsistentTable {

  private final int[] weights;
  private final String[] ids;
  private final ConsistentHash hash;
  private final Map<String, Integer> indexById;

  private ConsistentTable(int[] weights, String[] ids, ConsistentHash hash) {
    this.weights = weights;
    this.ids = ids;
    this.hash = hash;
    indexById = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) {
      indexById.put(ids[i], i);
    }
  }

  /** Whether a policy chooses by a hash key, and so uses a table. */
  public static boolean hashes(String policy) {
    return policy.equals("ring_hash") || policy.equals("maglev");
  }

  /**
   * The table of a hash policy over these instances: {@code previous} if it was built from the same
   * ones, else a new one (a ring takes from {@code previous} the points of the instances that
   * stay).
   *
   * @param ids each instance's identity ({@code host:port}), in the order of {@code weights}
   */
  public static ConsistentTable of(
      String policy, int[] weights, String[] ids, ConsistentTable previous) {
    if (previous != null
        && Arrays.equals(previous.weights, weights)
        && Arrays.equals(previous.ids, ids)) {
      return previous;
    }
    weights = weights.clone();
    ids = ids.clone();
    ConsistentHash hash =
        policy.equals("maglev")
            ? new MaglevSelector(weights, ids)
            : new RingHashSelector(
                weights,
                ids,
                previous != null && previous.hash instanceof RingHashSelector
                    ? (RingHashSelector) previous.hash
                    : null);
    return new ConsistentTable(weights, ids, hash);
  }

  /**
   * A selector over the instances that can take calls now, {@code usableIds}, answering their index
   * in that array; null when the table does not suit them (an instance it does not know, or they
   * own less than half of the table, where walking it would take long: then build a selector over
   * them alone).
   */
  public Selector over(String[] usableIds) {
    if (usableIds.length == 0) {
      return null;
    }
    int[] usableIndex = new int[ids.length];
    Arrays.fill(usableIndex, -1);
    long owned = 0;
    for (int i = 0; i < usableIds.length; i++) {
      Integer index = indexById.get(usableIds[i]);
      if (index == null || usableIndex[index] >= 0) {
        return null;
      }
      usableIndex[index] = i;
      owned += hash.positionsOf(index);
    }
    return owned * 2 < hash.positions() ? null : new Walk(hash, usableIndex, usableIds.length);
  }

  /** Starts where the key's hash points and goes on until an owner can take the call. */
  private static final class Walk implements Selector {
    private final ConsistentHash hash;
    private final int[] usableIndex;
    private final int usable;

    Walk(ConsistentHash hash, int[] usableIndex, int usable) {
      this.hash = hash;
      this.usableIndex = usableIndex;
      this.usable = usable;
    }

    @Override
    public int select(CharSequence hashKey) {
      if (hashKey == null) {
        return ThreadLocalRandom.current().nextInt(usable);
      }
      int positions = hash.positions();
      int at = hash.position(Hashing.hash(hashKey));
      for (int step = 0; step < positions; step++) {
        int index = usableIndex[hash.owner(at)];
        if (index >= 0) {
          return index;
        }
        at = at + 1 == positions ? 0 : at + 1;
      }
      return ThreadLocalRandom.current().nextInt(usable); // unreachable: one is usable
    }
  }
}
