package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.ratelimit.api.rpc.QuotaRequest;
import com.tencent.polaris.ratelimit.api.rpc.QuotaResponse;

/** What rate limiting needs from the Polaris SDK. Implementations are thread-safe. */
interface RateLimitSdk {

  /** True once the SDK runs. */
  boolean ready();

  /** Why the SDK will never run (it failed, or may not contact Polaris), or null. */
  String unavailableReason();

  /**
   * The rate-limit rules of a service as the SDK holds them; the SDK keeps them fresh from then on.
   * The first request for a service may wait for the server (up to the SDK's API timeout).
   *
   * @throws RuntimeException if the SDK is not running or cannot get them
   */
  ServiceRule rules(String namespace, String service);

  /** The quota decision for one call. */
  QuotaResponse quota(QuotaRequest request);
}
