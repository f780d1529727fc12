package org.polarisagent.plugin.grpc;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The request headers that carry the calling application's Polaris identity, for caller-based
 * routing and rate-limit rules: the agent's own names first, then the names grpc-java-polaris and
 * grpc-go-polaris use, so that rules match whichever integration the caller runs. Callers send all
 * of them; providers accept the first present. Immutable.
 */
public final class CallerHeaders {

  /** Header names of the caller's service. */
  public static final List<String> SERVICE =
      Collections.unmodifiableList(
          Arrays.asList("x-polaris-caller-service", "polaris.request.caller.service"));

  /** Header names of the caller's namespace. */
  public static final List<String> NAMESPACE =
      Collections.unmodifiableList(
          Arrays.asList("x-polaris-caller-namespace", "polaris.request.caller.namespace"));

  private CallerHeaders() {}
}
