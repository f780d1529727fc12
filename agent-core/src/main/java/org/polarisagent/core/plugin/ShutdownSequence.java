package org.polarisagent.core.plugin;

import java.util.ArrayList;
import java.util.List;
import org.polarisagent.core.logging.AgentLog;

/**
 * The agent's single JVM shutdown hook: runs registered steps in registration order, each guarded,
 * so that servers deregister before the SDK closes. Thread-safe.
 */
public final class ShutdownSequence {

  private final List<Runnable> steps = new ArrayList<>();
  private final List<Runnable> finalSteps = new ArrayList<>();

  /** Adds a step; steps run in the order they were added. */
  public synchronized void add(Runnable step) {
    steps.add(step);
  }

  /**
   * Adds a step that runs after every step added with {@link #add}, whenever those were added: for
   * closing what the other steps still use, such as the Polaris SDK that servers deregister
   * through.
   */
  public synchronized void addFinal(Runnable step) {
    finalSteps.add(step);
  }

  /** Registers the JVM shutdown hook that runs the steps. */
  public void installHook() {
    Thread hook =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                runSteps();
              }
            },
            "polaris-agent-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  void runSteps() {
    List<Runnable> snapshot;
    synchronized (this) {
      snapshot = new ArrayList<>(steps);
      snapshot.addAll(finalSteps);
    }
    long start = System.nanoTime();
    for (Runnable step : snapshot) {
      try {
        step.run();
      } catch (Throwable t) {
        AgentLog.warn("shutdown step failed: " + t);
      }
    }
    AgentLog.debug("exit steps done in " + (System.nanoTime() - start) / 1_000_000 + " ms");
  }
}
