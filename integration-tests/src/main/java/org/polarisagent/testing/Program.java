package org.polarisagent.testing;

import java.util.Set;

/**
 * The {@code main} of a harness program (a benchmark driver, the demo): parses the flags (bad ones:
 * the message on stderr, exit code 2), runs the program (a {@link HarnessFailure}: {@code <name>
 * FAILED: <why>} on stderr, exit code 1) and exits with 0 after a run that succeeded. Stateless.
 */
public final class Program {

  /** What the program does with its flags. */
  public interface Body {
    void run() throws Exception;
  }

  /** Makes the program from its flags; throws {@link IllegalArgumentException} for a bad value. */
  public interface Setup {
    Body create(Flags flags);
  }

  private Program() {}

  /**
   * @param mainClass named in the message about bad flags
   * @param failureName named in the failure line, e.g. {@code bench-system}
   * @param known the accepted flag names
   */
  public static void main(
      Class<?> mainClass, String failureName, String[] args, Set<String> known, Setup setup)
      throws Exception {
    Flags flags = Flags.parseOrExit(mainClass, args, known, Set.of());
    Body body;
    try {
      body = setup.create(flags);
    } catch (IllegalArgumentException e) {
      System.err.println(mainClass.getSimpleName() + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      body.run();
    } catch (HarnessFailure e) {
      System.out.flush();
      System.err.println(failureName + " FAILED: " + e.getMessage());
      System.exit(1);
    }
    System.exit(0);
  }
}
