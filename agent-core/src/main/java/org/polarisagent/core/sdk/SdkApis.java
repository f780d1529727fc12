package org.polarisagent.core.sdk;

import com.tencent.polaris.api.core.ConsumerAPI;
import com.tencent.polaris.api.core.ProviderAPI;
import com.tencent.polaris.circuitbreak.api.CircuitBreakAPI;
import com.tencent.polaris.circuitbreak.factory.CircuitBreakAPIFactory;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.factory.api.DiscoveryAPIFactory;
import com.tencent.polaris.factory.api.RouterAPIFactory;
import com.tencent.polaris.ratelimit.api.core.LimitAPI;
import com.tencent.polaris.ratelimit.factory.LimitAPIFactory;
import com.tencent.polaris.router.api.core.RouterAPI;

/**
 * The SDK's APIs, all created once from the one context, on a thread whose context class loader is
 * the agent's (the SDK finds its plugins through it). Never close one of them: closing any API
 * tears down the shared context. Immutable.
 */
public final class SdkApis {

  private final SDKContext context;
  private final ConsumerAPI consumer;
  private final ProviderAPI provider;
  private final RouterAPI router;
  private final CircuitBreakAPI circuitBreak;
  private final LimitAPI limit;

  SdkApis(SDKContext context) {
    this.context = context;
    this.consumer = DiscoveryAPIFactory.createConsumerAPIByContext(context);
    this.provider = DiscoveryAPIFactory.createProviderAPIByContext(context);
    this.router = RouterAPIFactory.createRouterAPIByContext(context);
    // Creating it also enables circuit-breaker filtering in the router chain.
    this.circuitBreak = CircuitBreakAPIFactory.createCircuitBreakAPIByContext(context);
    this.limit = LimitAPIFactory.createLimitAPIByContext(context);
  }

  public SDKContext context() {
    return context;
  }

  public ConsumerAPI consumer() {
    return consumer;
  }

  public ProviderAPI provider() {
    return provider;
  }

  public RouterAPI router() {
    return router;
  }

  public CircuitBreakAPI circuitBreak() {
    return circuitBreak;
  }

  public LimitAPI limit() {
    return limit;
  }
}
