package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.api.plugin.ratelimiter.QuotaResult;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.ratelimit.api.rpc.QuotaRequest;
import com.tencent.polaris.ratelimit.api.rpc.QuotaResponse;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import shade.polaris.com.google.protobuf.StringValue;

/**
 * A Polaris SDK in a test's hands: rules and quota answers are set by the test; requests are
 * recorded.
 */
final class FakeRateLimitSdk implements RateLimitSdk {

  volatile boolean ready = true;
  volatile String unavailableReason;
  final Map<String, ServiceRule> rules = new ConcurrentHashMap<>();
  volatile RuntimeException rulesFailure;
  final AtomicInteger ruleReads = new AtomicInteger();
  final List<QuotaRequest> requests = Collections.synchronizedList(new ArrayList<QuotaRequest>());
  volatile Function<QuotaRequest, QuotaResponse> answer = request -> ok();

  @Override
  public boolean ready() {
    return ready;
  }

  @Override
  public String unavailableReason() {
    return unavailableReason;
  }

  @Override
  public ServiceRule rules(String namespace, String service) {
    ruleReads.incrementAndGet();
    if (rulesFailure != null) {
      throw rulesFailure;
    }
    return rules.get(namespace + "/" + service);
  }

  @Override
  public QuotaResponse quota(QuotaRequest request) {
    requests.add(request);
    return answer.apply(request);
  }

  static QuotaResponse ok() {
    return new QuotaResponse(new QuotaResult(QuotaResult.Code.QuotaResultOk, 0, ""));
  }

  static QuotaResponse okHolding(Runnable release) {
    return new QuotaResponse(new QuotaResult(QuotaResult.Code.QuotaResultOk, 0, "", release));
  }

  static QuotaResponse waiting(long millis) {
    return new QuotaResponse(new QuotaResult(QuotaResult.Code.QuotaResultOk, millis, ""));
  }

  static QuotaResponse limited(String ruleName) {
    QuotaResponse response =
        new QuotaResponse(new QuotaResult(QuotaResult.Code.QuotaResultLimited, 0, "5"));
    response.setActiveRule(Rule.newBuilder().setName(StringValue.of(ruleName)).build());
    return response;
  }
}
