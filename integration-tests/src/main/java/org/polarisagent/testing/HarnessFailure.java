package org.polarisagent.testing;

/**
 * A step of a test, benchmark or demo run that could not be carried out (a process that did not
 * print what it should, a server that did not start); the message says which and why. An {@link
 * IllegalStateException}, as the harness has always reported such states.
 */
public final class HarnessFailure extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public HarnessFailure(String message) {
    super(message);
  }

  public HarnessFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
