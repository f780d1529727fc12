package org.polarisagent.plugin.grpc.adapter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.pojo.DefaultServiceInstances;
import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.api.pojo.ServiceRule;
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
    assertSame(RouteRules.NONE, RouteRules.of(null, null));
    assertFalse(RouteRules.of(rule("r1", RoutingProto.Routing.getDefaultInstance()), null).any());
  }

  @Test
  void callsDifferOnlyByTheHeadersTheRulesRead() {
    RouteRules rules =
        RouteRules.of(
            rule("r1", inbound(source("$header.X-Env", "$method"), destination(0, 100, false))),
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
        RouteRules.of(
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
        RouteRules.of(
            rule(
                "r1",
                inbound(
                    source("$header.x-env"),
                    destination(0, 100, false),
                    destination(1, 100, false),
                    destination(0, 100, true),
                    destination(0, 0, false))),
            null);
    assertEquals(METHOD + "\n\u0000", fallback.callKey(METHOD, headers()));
  }

  @Test
  void aPerCallPlanChangesIdentityWithTheRulesRevision() {
    DefaultServiceInstances none =
        new DefaultServiceInstances(new ServiceKey("default", "echo"), Collections.emptyList());
    RoutingProto.Routing routing = inbound(source("$header.x-env"), destination(0, 100, false));
    RoutePlan first =
        RoutePlan.perCall(
            none, (all, m, h) -> Collections.emptyList(), RouteRules.of(rule("r1", routing), null));
    RoutePlan second =
        RoutePlan.perCall(
            none, (all, m, h) -> Collections.emptyList(), RouteRules.of(rule("r2", routing), null));
    assertTrue(first.identity().startsWith("per-call"), first.identity());
    assertNotEquals(first.identity(), second.identity());
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
    return new ServiceRule() {
      @Override
      public Object getRule() {
        return routing;
      }

      @Override
      public boolean isInitialized() {
        return true;
      }

      @Override
      public String getRevision() {
        return revision;
      }
    };
  }

  private static Metadata headers(String... pairs) {
    Metadata headers = new Metadata();
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      headers.put(Metadata.Key.of(pairs[i], Metadata.ASCII_STRING_MARSHALLER), pairs[i + 1]);
    }
    return headers;
  }
}
