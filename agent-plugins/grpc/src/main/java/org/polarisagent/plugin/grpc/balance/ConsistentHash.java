package org.polarisagent.plugin.grpc.balance;

/**
 * A consistent-hash table as a circle of positions, each owned by one endpoint: a key starts at the
 * position of its hash and, when that owner cannot take it, goes on to the next positions.
 * Immutable.
 */
interface ConsistentHash extends Selector {

  /** How many positions the circle has. */
  int positions();

  /** The position a key's hash starts at. */
  int position(long keyHash);

  /** The endpoint owning a position. */
  int owner(int position);

  /** How many positions an endpoint owns. */
  int positionsOf(int endpoint);
}
