package org.polarisagent.plugin.grpc.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SelectorTest {

  private static final String[] IDS = {"10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"};

  private static int[] counts(Selector selector, int calls, boolean hashed) {
    int[] counts = new int[IDS.length];
    for (int i = 0; i < calls; i++) {
      counts[selector.select(hashed ? "key-" + i : null)]++;
    }
    return counts;
  }

  @Test
  void roundRobinTakesEachInTurn() {
    int[] counts = counts(Selector.of("round_robin", new int[] {100, 100, 100}, IDS), 300, false);
    assertEquals(100, counts[0]);
    assertEquals(100, counts[1]);
    assertEquals(100, counts[2]);
  }

  @Test
  void weightedRandomFollowsWeightsAndSkipsZeroWeight() {
    int[] counts =
        counts(Selector.of("weighted_random", new int[] {300, 100, 0}, IDS), 40_000, false);
    assertEquals(0, counts[2]);
    double ratio = counts[0] / (double) counts[1];
    assertTrue(ratio > 2.7 && ratio < 3.3, "ratio " + ratio);
  }

  @Test
  void hashPoliciesKeepAKeyOnItsInstanceAndSpreadKeys() {
    for (String policy : new String[] {"ring_hash", "maglev"}) {
      Selector selector = Selector.of(policy, new int[] {100, 100, 100}, IDS);
      int first = selector.select("user-42");
      for (int i = 0; i < 100; i++) {
        assertEquals(first, selector.select("user-42"), policy);
      }
      int[] counts = counts(selector, 30_000, true);
      for (int count : counts) {
        assertTrue(count > 7_000, policy + " spread " + java.util.Arrays.toString(counts));
      }
    }
  }

  @Test
  void ringHashMovesFewKeysWhenAnInstanceLeaves() {
    Selector three = Selector.of("ring_hash", new int[] {100, 100, 100}, IDS);
    Selector two = Selector.of("ring_hash", new int[] {100, 100}, new String[] {IDS[0], IDS[1]});
    int moved = 0;
    for (int i = 0; i < 10_000; i++) {
      String key = "k" + i;
      int before = three.select(key);
      if (before != 2 && before != two.select(key)) {
        moved++;
      }
    }
    assertTrue(moved < 500, "keys of surviving instances moved: " + moved);
  }
}
