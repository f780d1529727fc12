package org.polarisagent.plugin.grpc.adapter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.pojo.DefaultServiceInstances;
import com.tencent.polaris.api.pojo.ServiceEventKey.EventType;
import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.client.pojo.ServiceRuleByProto;
import com.tencent.polaris.specification.api.v1.model.ModelProto;
import com.tencent.polaris.specification.api.v1.traffic.manage.RoutingProto;
import io.grpc.Metadata;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import shade.polaris.com.google.protobuf.BoolValue;
import shade.polaris.com.google.protobuf.UInt32Value;

/**
 * What {@link RouteRules} reads from routing rules as the SDK holds them (v2 rules arrive as v1
 * routes, header arguments as {@code $header.<name>} source labels), and the call keys it makes.
 */
class RouteRulesTest {

  private static final String METHOD = "echo.Echo/Echo";

  @Test
  void noRuleMeansNoPerCallRouting() {
    assertSame(RouteRules.NONE, RouteRules.of(null, null, "default", "echo"));
    assertFalse(of(rule("r1", RoutingProto.Routing.getDefaultInstance()), null).any());
    assertFalse(
        of(null, rule("r1", inbound(source("$header.x-env"), destination(0, 100, false)))).any(),
        "the caller's inbound routes are not for its calls");
  }

  @Test
  void callsDifferOnlyByTheHeadersTheRulesRead() {
    RouteRules rules =
        of(
            rule("r1", inbound(source("$header.x-env", "$method"), destination(0, 100, false))),
            rule(
                "r2",
                outbound(source("$header.x-lane", "$caller_ip"), destination(0, 100, false))));
    assertTrue(rules.any());
    Object plain = rules.callKey(METHOD, headers());
    assertEquals(plain, rules.callKey(METHOD, headers("x-trace", "1")), "a header no rule reads");
    assertNotEquals(plain, rules.callKey(METHOD, headers("x-env", "gray")), "the destination's");
    assertNotEquals(plain, rules.callKey(METHOD, headers("x-lane", "l1")), "the caller's");
    assertNotEquals(plain, rules.callKey(METHOD, headers("x-env", "")), "empty is not absent");
    assertNotEquals(plain, rules.callKey("echo.Echo/Other", headers()), "the method");
    assertEquals(
        rules.callKey(METHOD, headers("x-env", "gray", "x-lane", "l1")),
        rules.callKey(METHOD, headers("x-lane", "l1", "x-env", "gray", "x-trace", "2")));
  }

  @Test
  void twoWeightedDestinationsOfOnePriorityMeanEveryCallIsRouted() {
    RouteRules split =
        of(
            rule(
                "r1",
                inbound(
                    source("$header.x-env"), destination(0, 90, false), destination(0, 10, false))),
            null);
    assertNull(split.callKey(METHOD, headers()));
  }

  @Test
  void fallbackGroupsIsolatedGroupsAndZeroWeightsChooseNothingAtRandom() {
    RouteRules fallback =
        of(
            rule(
                "r1",
                inbound(
                    source("$header.x-env"),
                    destination(0, 100, false),
                    destination(1, 100, false),
                    destination(0, 100, true),
                    destination(0, 0, false))),
            null);
    assertEquals(fallback.callKey(METHOD, headers()), fallback.callKey(METHOD, headers("a", "b")));
    assertNotEquals(
        fallback.callKey(METHOD, headers()), fallback.callKey(METHOD, headers("x-env", "b")));
  }

  @Test
  void aPerCallPlanChangesIdentityWithTheRulesRevision() {
    DefaultServiceInstances none =
        new DefaultServiceInstances(new ServiceKey("default", "echo"), Collections.emptyList());
    RoutingProto.Routing routing = inbound(source("$header.x-env"), destination(0, 100, false));
    RoutePlan first =
        RoutePlan.perCall(
            none, (all, m, h) -> Collections.emptyList(), of(rule("r1", routing), null));
    RoutePlan second =
        RoutePlan.perCall(
            none, (all, m, h) -> Collections.emptyList(), of(rule("r2", routing), null));
    assertTrue(first.identity().startsWith("per-call"), first.identity());
    assertNotEquals(first.identity(), second.identity());
  }

  @Test
  void aWeightedSplitTowardsAnotherServiceDoesNotConcernThisOne() {
    RoutingProto.Route toOther =
        route(
            source("$header.x-env"),
            towards(destination(0, 90, false)).setService(string("other")).build(),
            towards(destination(0, 10, false)).setService(string("other")).build(),
            towards(destination(0, 100, false)).setService(string("echo")).build());
    RouteRules rules =
        of(null, rule("r1", RoutingProto.Routing.newBuilder().addOutbounds(toOther).build()));
    assertTrue(rules.any());
    assertNotEquals(null, rules.callKey(METHOD, headers()));
    RoutingProto.Route toAny =
        route(
            source("$header.x-env"),
            towards(destination(0, 90, false)).setService(string("*")).build(),
            towards(destination(0, 10, false)).setService(string("echo")).build());
    assertNull(
        of(null, rule("r1", RoutingProto.Routing.newBuilder().addOutbounds(toAny).build()))
            .callKey(METHOD, headers()));
  }

  @Test
  void valuesCannotMakeTwoKeysAlike() {
    RoutingProto.Routing routing =
        inbound(source("$header.a", "$header.b"), destination(0, 100, false));
    RouteRules rules = of(rule("r1", routing), null);
    assertNotEquals(
        rules.callKey(METHOD, headers("a", "x\n1:y")),
        rules.callKey(METHOD, headers("a", "x", "b", "y")));
  }

  @Test
  void aRuleThatReadsOtherHeadersChangesTheIdentityEvenWithTheSameRevision() {
    RouteRules envRule =
        of(rule("r1", inbound(source("$header.x-env"), destination(0, 100, false))), null);
    RouteRules laneRule =
        of(rule("r1", inbound(source("$header.x-lane"), destination(0, 100, false))), null);
    assertNotEquals(envRule.identity(), laneRule.identity());
  }

  /** An outbound destination in namespace default, its service to be set. */
  private static RoutingProto.Destination.Builder towards(RoutingProto.Destination destination) {
    return destination.toBuilder().setNamespace(string("default"));
  }

  private static RouteRules of(ServiceRule destination, ServiceRule caller) {
    return RouteRules.of(destination, caller, "default", "echo");
  }

  private static shade.polaris.com.google.protobuf.StringValue string(String value) {
    return shade.polaris.com.google.protobuf.StringValue.of(value);
  }

  private static RoutingProto.Routing inbound(
      RoutingProto.Source source, RoutingProto.Destination... destinations) {
    return RoutingProto.Routing.newBuilder().addInbounds(route(source, destinations)).build();
  }

  private static RoutingProto.Routing outbound(
      RoutingProto.Source source, RoutingProto.Destination... destinations) {
    return RoutingProto.Routing.newBuilder().addOutbounds(route(source, destinations)).build();
  }

  private static RoutingProto.Route route(
      RoutingProto.Source source, RoutingProto.Destination... destinations) {
    return RoutingProto.Route.newBuilder()
        .addSources(source)
        .addAllDestinations(Arrays.asList(destinations))
        .build();
  }

  private static RoutingProto.Source source(String... labelKeys) {
    RoutingProto.Source.Builder source = RoutingProto.Source.newBuilder();
    for (String key : labelKeys) {
      source.putMetadata(
          key,
          ModelProto.MatchString.newBuilder()
              .setValue(shade.polaris.com.google.protobuf.StringValue.of("v"))
              .build());
    }
    return source.build();
  }

  private static RoutingProto.Destination destination(int priority, int weight, boolean isolate) {
    return RoutingProto.Destination.newBuilder()
        .setPriority(UInt32Value.of(priority))
        .setWeight(UInt32Value.of(weight))
        .setIsolate(BoolValue.of(isolate))
        .build();
  }

  private static ServiceRule rule(String revision, RoutingProto.Routing routing) {
    return new ServiceRuleByProto(routing, revision, false, EventType.ROUTING);
  }

  private static Metadata headers(String... pairs) {
    Metadata headers = new Metadata();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      headers.put(Metadata.Key.of(pairs[i], Metadata.ASCII_STRING_MARSHALLER), pairs[i + 1]);
    }
    return headers;
  }
}
