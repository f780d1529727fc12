package org.polarisagent.plugin.grpc.balance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SelectorTest {

  private static final String[] IDS = {"10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"};
  private static final double[] WARM = {1, 1, 1};

  /** The third instance a quarter of the way up its ramp. */
  private static final double[] THIRD_WARMING = {1, 1, 0.25};

  private static int[] counts(Selector selector, int calls, boolean hashed) {
    int[] counts = new int[IDS.length];
    for (int i = 0; i < calls; i++) {
      counts[selector.select(hashed ? "key-" + i : null)]++;
    }
    return counts;
  }

  @Test
  void roundRobinTakesEachInTurn() {
    int[] counts =
        counts(Selector.of("round_robin", new int[] {100, 100, 100}, WARM, IDS), 300, false);
    assertEquals(100, counts[0]);
    assertEquals(100, counts[1]);
    assertEquals(100, counts[2]);
  }

  @Test
  void weightedRandomFollowsWeightsAndSkipsZeroWeight() {
    int[] counts =
        counts(Selector.of("weighted_random", new int[] {300, 100, 0}, WARM, IDS), 40_000, false);
    assertEquals(0, counts[2]);
    double ratio = counts[0] / (double) counts[1];
    assertTrue(ratio > 2.7 && ratio < 3.3, "ratio " + ratio);
  }

  @Test
  void hashPoliciesKeepAKeyOnItsInstanceAndSpreadKeys() {
    for (String policy : new String[] {"ring_hash", "maglev"}) {
      Selector selector = Selector.of(policy, new int[] {100, 100, 100}, WARM, IDS);
      int first = selector.select("user-42");
      for (int i = 0; i < 100; i++) {
        assertEquals(first, selector.select("user-42"), policy);
      }
      int[] counts = counts(selector, 30_000, true);
      for (int count : counts) {
        assertTrue(count > 7_000, policy + " spread " + Arrays.toString(counts));
      }
    }
  }

  @Test
  void ringHashMovesFewKeysWhenAnInstanceLeaves() {
    Selector three = Selector.of("ring_hash", new int[] {100, 100, 100}, WARM, IDS);
    Selector two =
        Selector.of(
            "ring_hash", new int[] {100, 100}, new double[] {1, 1}, new String[] {IDS[0], IDS[1]});
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

  @Test
  void weightedRandomGivesAWarmingInstanceItsPartOfItsWeight() {
    int[] counts =
        counts(
            Selector.of("weighted_random", new int[] {100, 100, 200}, THIRD_WARMING, IDS),
            60_000,
            false);
    double ratio = counts[2] / (double) counts[0];
    assertTrue(ratio > 0.45 && ratio < 0.55, "200 x 0.25 against 100: " + ratio);
  }

  @Test
  void roundRobinGivesAWarmingInstancePartOfATurnSpreadOverThePass() {
    Selector selector = Selector.of("round_robin", new int[] {100, 100, 100}, THIRD_WARMING, IDS);
    int pass = 2 * SharedRoundRobinSelector.FULL_TURN + 5;
    int[] order = new int[2 * pass];
    int[] counts = new int[IDS.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = selector.select(null);
      counts[order[i]]++;
    }
    assertArrayEquals(new int[] {40, 40, 10}, counts, "two passes of 20, 20 and 5 turns");
    for (int i = 1; i < order.length; i++) {
      assertFalse(
          order[i] == 2 && order[i - 1] == 2,
          "the warming one is spread: " + Arrays.toString(order));
    }
    int longestRun = 0;
    for (int i = 0, run = 0; i < order.length; i++) {
      run = order[i] == order[(i + order.length - 1) % order.length] ? run + 1 : 0;
      longestRun = Math.max(longestRun, run);
    }
    assertTrue(longestRun <= 1, "the warm ones alternate: " + Arrays.toString(order));
  }

  @Test
  void roundRobinKeepsTheMinimumShareOfAJustCreatedInstance() {
    Selector selector =
        Selector.of(
            "round_robin",
            new int[] {100, 100},
            new double[] {1, WarmUp.MIN_FACTOR},
            new String[] {IDS[0], IDS[1]});
    int newOne = 0;
    for (int i = 0; i < 22 * 10; i++) {
      newOne += selector.select(null);
    }
    assertEquals(20, newOne, "2 turns in 22, ten passes");
  }

  @Test
  void hashPoliciesIgnoreWarmUp() {
    for (String policy : new String[] {"ring_hash", "maglev"}) {
      Selector warm = Selector.of(policy, new int[] {100, 100, 100}, WARM, IDS);
      Selector warming = Selector.of(policy, new int[] {100, 100, 100}, THIRD_WARMING, IDS);
      for (int i = 0; i < 1_000; i++) {
        assertEquals(warm.select("k" + i), warming.select("k" + i), policy);
      }
    }
  }

  @Test
  void aHashTableIsKeptWhileItsInstancesAndWeightsStay() {
    int[] weights = {100, 100, 100};
    ConsistentTable table = ConsistentTable.of("ring_hash", weights, IDS, null);
    assertTrue(table == ConsistentTable.of("ring_hash", weights.clone(), IDS.clone(), table));
    assertFalse(table == ConsistentTable.of("ring_hash", new int[] {100, 50, 100}, IDS, table));
    assertFalse(
        table == ConsistentTable.of("ring_hash", weights, new String[] {"a", "b", "c"}, table));
  }

  @Test
  void aHashTableServesOnlyWhenAtLeastHalfOfItsInstancesCanTakeCalls() {
    ConsistentTable table = ConsistentTable.of("maglev", new int[] {100, 100, 100}, IDS, null);
    Selector two = table.over(new String[] {IDS[2], IDS[0]});
    for (int i = 0; i < 100; i++) {
      int chosen = two.select("key-" + i);
      assertTrue(chosen == 0 || chosen == 1, "an index among the usable ones: " + chosen);
    }
    assertTrue(table.over(new String[] {IDS[1]}) == null, "one of three: build a selector anew");
    assertTrue(table.over(new String[] {IDS[1], "10.9.9.9:1"}) == null, "an unknown instance");
  }

  @Test
  void aRingBuiltFromThePreviousOneEqualsOneBuiltAnew() {
    String[] before = new String[200];
    int[] weights = new int[200];
    for (int i = 0; i < before.length; i++) {
      before[i] = "10.1.0." + i + ":8080";
      weights[i] = 100;
    }
    ConsistentTable first = ConsistentTable.of("ring_hash", weights, before, null);
    String[] after = Arrays.copyOfRange(before, 1, before.length + 1);
    after[after.length - 1] = "10.2.0.1:8080";
    int[] afterWeights = Arrays.copyOf(weights, after.length);
    afterWeights[7] = 50;
    Selector incremental = ConsistentTable.of("ring_hash", afterWeights, after, first).over(after);
    Selector fresh = ConsistentTable.of("ring_hash", afterWeights, after, null).over(after);
    for (int key = 0; key < 20_000; key++) {
      assertEquals(fresh.select("k" + key), incremental.select("k" + key), "key k" + key);
    }
  }
}
