package org.polarisagent.plugin.grpc.balance;

/**
 * Chooses one of a fixed list of weighted endpoints per call. Built once per change of the endpoint
 * list, used by many threads at once; {@link #select} does not allocate.
 */
public interface Selector {

  /**
   * Returns the index of the chosen endpoint.
   *
   * @param hashKey the call's hash key for hash-based policies, or null to choose at random
   */
  int select(CharSequence hashKey);

  /**
   * Creates the selector of a policy ({@code weighted_random}, {@code round_robin}, {@code
   * ring_hash}, {@code maglev}).
   *
   * @param warmUp each endpoint's {@link WarmUp#factor}, 1 for a warm one: weighted random scales
   *     its weights by them; round robin, which gives every endpoint an equal turn whatever its
   *     weight, gives a warming one that part of a turn; hash policies ignore them
   */
  static Selector of(String policy, int[] weights, double[] warmUp, String[] ids) {
    switch (policy) {
      case "round_robin":
        return WarmUp.allWarm(warmUp)
            ? new RoundRobinSelector(weights.length)
            : new SharedRoundRobinSelector(warmUp);
      case "ring_hash":
        return new RingHashSelector(weights, ids);
      case "maglev":
        return new MaglevSelector(weights, ids);
      default:
        return new WeightedRandomSelector(
            WarmUp.allWarm(warmUp) ? weights : WarmUp.scaled(weights, warmUp));
    }
  }
}
