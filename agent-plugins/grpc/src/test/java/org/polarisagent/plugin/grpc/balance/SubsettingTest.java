package org.polarisagent.plugin.grpc.balance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubsettingTest {

  private static String[] instances(int count, int firstPort) {
    String[] ids = new String[count];
    for (int i = 0; i < count; i++) {
      ids[i] = "10.0.0." + (i % 7) + ":" + (firstPort + i);
    }
    return ids;
  }

  private static Set<String> subset(Subsetting subsetting, String[] ids, double place) {
    Set<String> chosen = new HashSet<>();
    for (int index : subsetting.choose(ids, place, new boolean[ids.length])) {
      chosen.add(ids[index]);
    }
    return chosen;
  }

  @Test
  void channelsOfOneApplicationCoverEveryInstanceEvenly() {
    for (int channels : new int[] {10, 20, 30}) {
      Subsetting subsetting = new Subsetting(5);
      String[] ids = instances(50, 9000);
      int[] covered = new int[ids.length];
      for (int channel = 0; channel < channels; channel++) {
        double place = subsetting.placeOfNewChannel("default/echo", ids.length);
        int[] chosen = subsetting.choose(ids, place, new boolean[ids.length]);
        assertEquals(5, new HashSet<>(Arrays.asList(box(chosen))).size());
        for (int index : chosen) {
          covered[index]++;
        }
      }
      int even = channels * 5 / 50;
      for (int count : covered) {
        assertEquals(even, count, channels + " channels: " + Arrays.toString(covered));
      }
    }
  }

  @Test
  void aSubsetChangesByAtMostTwoInstancesWhenOneComesOrGoes() {
    Subsetting subsetting = new Subsetting(5);
    String[] ids = instances(50, 9000);
    List<String> more = new ArrayList<>(Arrays.asList(ids));
    more.add("10.0.0.9:9999");
    String[] added = more.toArray(new String[0]);
    String[] removed = Arrays.copyOfRange(ids, 1, ids.length);
    for (int channel = 0; channel < 20; channel++) {
      double place = subsetting.placeOfNewChannel("default/echo", ids.length);
      Set<String> before = subset(subsetting, ids, place);
      for (String[] changed : new String[][] {added, removed}) {
        Set<String> after = subset(subsetting, changed, place);
        Set<String> gone = new HashSet<>(before);
        gone.removeAll(after);
        assertTrue(gone.size() <= 2, "channel " + channel + ": " + before + " -> " + after);
      }
    }
  }

  @Test
  void theSubsetDependsOnThePlaceAndTheInstancesNotOnTheirOrder() {
    Subsetting subsetting = new Subsetting(3);
    String[] ids = instances(12, 7000);
    String[] reversed = ids.clone();
    java.util.Collections.reverse(Arrays.asList(reversed));
    assertEquals(subset(subsetting, ids, 0.42), subset(subsetting, reversed, 0.42));
  }

  @Test
  void aServiceWithNoMoreInstancesThanTheSizeIsConnectedWhole() {
    assertArrayEquals(
        new int[] {0, 1, 2}, new Subsetting(5).choose(instances(3, 1), 0.9, new boolean[3]));
  }

  @Test
  void aSubsetGoesOnPastUnreachableInstancesAndKeepsThem() {
    Subsetting subsetting = new Subsetting(3);
    String[] ids = instances(12, 7000);
    int[] healthy = subsetting.choose(ids, 0.3, new boolean[ids.length]);
    boolean[] failing = new boolean[ids.length];
    failing[healthy[0]] = true;
    failing[healthy[2]] = true;
    int[] chosen = subsetting.choose(ids, 0.3, failing);
    assertEquals(5, chosen.length, "two more for the two unreachable ones");
    assertEquals(Arrays.asList(box(healthy)), Arrays.asList(box(chosen)).subList(0, 3));
    boolean[] allFailing = new boolean[ids.length];
    Arrays.fill(allFailing, true);
    assertEquals(ids.length, subsetting.choose(ids, 0.3, allFailing).length, "none reachable: all");
  }

  private static Integer[] box(int[] values) {
    return Arrays.stream(values).boxed().toArray(Integer[]::new);
  }
}
