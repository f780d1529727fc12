package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.argument;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.exact;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.rateLimit;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.rule;

import com.tencent.polaris.specification.api.v1.model.ModelProto.MatchString.MatchStringType;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.MatchArgument;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import shade.polaris.com.google.protobuf.BoolValue;

class ServiceRulesTest {

  @Test
  void noRuleDisabledRulesAndRulesWithoutQuotaLeaveCallsUnchecked() {
    assertSame(ServiceRules.NONE, ServiceRules.of(null, null, "svc"));
    assertFalse(ServiceRules.of("r1", null, "svc").limited());
    assertEquals("r1", ServiceRules.of("r1", null, "svc").revision);
    ServiceRules rules =
        ServiceRules.of(
            "r2",
            rateLimit(
                exact("off", "/echo.Echo/Echo", 5).setDisable(BoolValue.of(true)),
                exact("empty", "/echo.Echo/Echo", 5).clearAmounts()),
            "svc");
    assertFalse(rules.limited());
    assertEquals("r2", rules.revision);
    assertTrue(rules.problems.isEmpty(), rules.problems.toString());
  }

  @Test
  void enabledRulesAreEnforcedAndOnlyTheArgumentsTheyMatchOnAreCollected() {
    ServiceRules plain = ServiceRules.of("r", rateLimit(exact("a", "/echo.Echo/Echo", 5)), "svc");
    assertEquals(Collections.singletonList("a"), plain.enforced);
    assertEquals(Collections.singletonList("a (5/1s on /echo.Echo/Echo)"), plain.descriptions);
    assertFalse(plain.method || plain.callerService || plain.callerIp || !plain.headers.isEmpty());

    ServiceRules withArguments =
        ServiceRules.of(
            "r",
            rateLimit(
                exact("by-caller", "", 5)
                    .addArguments(argument(MatchArgument.Type.CALLER_SERVICE, "default", "web")),
                exact("by-header", "", 5)
                    .addArguments(argument(MatchArgument.Type.HEADER, "X-User", "alice"))
                    .addArguments(argument(MatchArgument.Type.CALLER_IP, "", "10.0.0.1"))
                    .addArguments(argument(MatchArgument.Type.METHOD, "", "/echo.Echo/Echo"))),
            "svc");
    assertEquals(Arrays.asList("by-caller", "by-header"), withArguments.enforced);
    assertTrue(withArguments.callerService && withArguments.callerIp && withArguments.method);
    assertEquals(1, withArguments.headers.size());
    assertEquals("X-User", withArguments.headers.get(0).ruleKey);
    assertEquals("x-user", withArguments.headers.get(0).key.name());
    assertTrue(withArguments.problems.isEmpty(), withArguments.problems.toString());
  }

  @Test
  void methodValuesThatNeverEqualAGrpcPathAreReported() {
    ServiceRules rules =
        ServiceRules.of(
            "r",
            rateLimit(
                exact("good", "/echo.Echo/Echo", 5),
                exact("whole-service", "/echo.Echo/{method}", 5),
                exact("all", "*", 5),
                rule("regex", MatchStringType.REGEX, "echo.Echo/E.*", 5),
                exact("no-slash", "echo.Echo/Echo", 5),
                rule("bare", MatchStringType.IN, "/echo.Echo/Other,Echo", 5)),
            "svc");
    assertEquals(6, rules.enforced.size());
    assertEquals(2, rules.problems.size(), rules.problems.toString());
    assertTrue(
        rules.problems.get(0).contains("rule 'no-slash' of service svc")
            && rules.problems.get(0).contains("write '/echo.Echo/Echo'"),
        rules.problems.get(0));
    assertTrue(
        rules.problems.get(1).contains("'Echo'")
            && rules.problems.get(1).contains("'/<grpc service>/Echo'"),
        rules.problems.get(1));
  }

  @Test
  void argumentsGrpcCallsCannotCarryAreReported() {
    Rule.Builder rule =
        exact("odd", "", 5)
            .addArguments(argument(MatchArgument.Type.QUERY, "page", "1"))
            .addArguments(argument(MatchArgument.Type.HEADER, "trace-bin", "x"));
    ServiceRules rules = ServiceRules.of("r", rateLimit(rule), "svc");
    assertTrue(rules.limited());
    assertTrue(rules.headers.isEmpty());
    assertEquals(2, rules.problems.size(), rules.problems.toString());
  }
}
