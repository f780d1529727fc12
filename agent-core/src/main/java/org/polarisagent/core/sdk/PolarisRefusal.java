package org.polarisagent.core.sdk;

import com.tencent.polaris.api.exception.PolarisException;

/**
 * Tells a request Polaris refused for the caller's credentials (server codes 401xxx: a token
 * missing, unknown or without the permission) from any other failure, and says why in the server's
 * words, never with the token. Some refusals the SDK only logs (a discovery it then reports as
 * unanswered): the agent's SDK log binding hands every logged failure to {@link #notice}, so that
 * {@link #noticed()} can tell. Thread-safe.
 */
public final class PolarisRefusal {

  private static volatile String noticed;

  private PolarisRefusal() {}

  /**
   * Remembers the reason if {@code failure} is a refusal; called with every failure the SDK logs.
   */
  public static void notice(Throwable failure) {
    String reason = reason(failure);
    if (reason != null) {
      noticed = reason;
    }
  }

  /** The reason of the last refusal the SDK logged, or null if it logged none. */
  public static String noticed() {
    return noticed;
  }

  /** The server's reason if {@code failure} (or a cause) is such a refusal, else null. */
  public static String reason(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof PolarisException) {
        int code = ((PolarisException) cause).getServerErrCode();
        String message = String.valueOf(cause.getMessage());
        if (code / 1000 == 401 || message.contains("server error 401")) {
          int reason = message.indexOf(": ", message.indexOf("server error"));
          return reason >= 0 ? message.substring(reason + 2) : message;
        }
        if (message.contains("invalid token") || message.contains("access is not approved")) {
          return message.contains("invalid token") ? "invalid token" : "access is not approved";
        }
      }
    }
    return null;
  }
}
