package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.api.pojo.ServiceEventKey.EventType;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.client.pojo.ServiceRuleByProto;
import com.tencent.polaris.specification.api.v1.model.ModelProto.MatchString;
import com.tencent.polaris.specification.api.v1.model.ModelProto.MatchString.MatchStringType;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Amount;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.MatchArgument;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.RateLimit;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import shade.polaris.com.google.protobuf.BoolValue;
import shade.polaris.com.google.protobuf.Duration;
import shade.polaris.com.google.protobuf.StringValue;
import shade.polaris.com.google.protobuf.UInt32Value;

/** Rate-limit rules as the SDK hands them out, written the way an operator would write them. */
final class TestRules {

  private TestRules() {}

  /**
   * An enabled LOCAL rule of {@code perSecond} calls per second on the methods the matcher selects.
   */
  static Rule.Builder rule(String name, MatchStringType methodType, String method, int perSecond) {
    return Rule.newBuilder()
        .setId(StringValue.of(name + "-id"))
        .setName(StringValue.of(name))
        .setType(Rule.Type.LOCAL)
        .setMethod(text(methodType, method))
        .addAmounts(
            Amount.newBuilder()
                .setMaxAmount(UInt32Value.of(perSecond))
                .setValidDuration(Duration.newBuilder().setSeconds(1)))
        .setDisable(BoolValue.of(false));
  }

  static Rule.Builder exact(String name, String method, int perSecond) {
    return rule(name, MatchStringType.EXACT, method, perSecond);
  }

  static MatchArgument argument(MatchArgument.Type type, String key, String exactValue) {
    return MatchArgument.newBuilder()
        .setType(type)
        .setKey(key)
        .setValue(text(MatchStringType.EXACT, exactValue))
        .build();
  }

  static MatchString text(MatchStringType type, String value) {
    return MatchString.newBuilder()
        .setType(type)
        .setValue(StringValue.of(value))
        .setValueType(MatchString.ValueType.TEXT)
        .build();
  }

  static RateLimit rateLimit(Rule.Builder... rules) {
    RateLimit.Builder rateLimit = RateLimit.newBuilder();
    for (Rule.Builder rule : rules) {
      rateLimit.addRules(rule);
    }
    return rateLimit.build();
  }

  /** The SDK's view of a service's rules at a revision. */
  static ServiceRule serviceRule(String revision, RateLimit rateLimit) {
    return new ServiceRuleByProto(rateLimit, revision, false, EventType.RATE_LIMITING);
  }
}
