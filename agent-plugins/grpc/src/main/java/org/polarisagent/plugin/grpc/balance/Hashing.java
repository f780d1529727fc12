package org.polarisagent.plugin.grpc.balance;

/** The 64-bit FNV-1a hash with a final mix, over the chars of a text; allocation-free. */
final class Hashing {

  private Hashing() {}

  static long hash(CharSequence text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** Spreads the bits of a value over all 64 (a bijection). */
  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }
}
