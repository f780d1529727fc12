package org.polarisagent.core.logging;

/**
 * Values that no log line may show, such as {@code polaris.token}: every log line the agent or the
 * SDK writes passes through {@link #mask}, which replaces each of them with {@code ***}.
 * Thread-safe.
 */
public final class Secrets {

  static final String MASK = "***";

  private static volatile String[] secrets = new String[0];

  private Secrets() {}

  /** Adds a value to mask from now on; an empty value is ignored. */
  public static synchronized void add(String secret) {
    if (secret == null || secret.isEmpty()) {
      return;
    }
    String[] grown = new String[secrets.length + 1];
    System.arraycopy(secrets, 0, grown, 0, secrets.length);
    grown[secrets.length] = secret;
    secrets = grown;
  }

  /** The text with every secret replaced by {@code ***}. */
  public static String mask(String text) {
    String masked = text;
    for (String secret : secrets) {
      if (masked.contains(secret)) {
        masked = masked.replace(secret, MASK);
      }
    }
    return masked;
  }
}
