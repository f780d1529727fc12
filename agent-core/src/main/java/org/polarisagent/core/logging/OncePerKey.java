package org.polarisagent.core.logging;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells whether something is said for the first time, per key (a target, a service), so that a log
 * line comes once per key however often its cause repeats. At most {@code max} keys are remembered;
 * past that, nothing is said any more, so that an app making endless distinct keys cannot flood the
 * log or the heap. Thread-safe.
 */
public final class OncePerKey {

  private final Set<String> said =
      Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
  private final int max;

  public OncePerKey(int max) {
    this.max = max;
  }

  /**
   * True the first time a key is given (while fewer than the maximum are remembered), else false.
   */
  public boolean first(String key) {
    return said.size() < max && said.add(key);
  }
}
