package org.polarisagent.bootstrap;

/**
 * Last line of defence for failures inside agent code reached from instrumented application code:
 * one line on stderr per failure site, never an exception into the application. Thread-safe.
 */
public final class AgentFailures {

  private static final java.util.Set<String> REPORTED =
      java.util.Collections.newSetFromMap(
          new java.util.concurrent.ConcurrentHashMap<String, Boolean>());

  private AgentFailures() {}

  /** Reports an unexpected agent failure once per distinct site and exception type. */
  public static void report(String where, Throwable failure) {
    if (REPORTED.size() < 100 && REPORTED.add(where + failure.getClass().getName())) {
      System.err.println(
          "[polaris-agent] ERROR unexpected failure at "
              + where
              + ", the application continues untouched: "
              + failure);
    }
  }
}
