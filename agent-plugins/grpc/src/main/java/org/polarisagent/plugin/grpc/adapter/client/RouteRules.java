package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.RouteArgument;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.api.utils.RuleUtils;
import com.tencent.polaris.specification.api.v1.traffic.manage.RoutingProto;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the routing rules between this application and one destination look at: whether there are
 * any (the destination's inbound routes, the caller's outbound routes towards it: the only ones the
 * SDK's rule router reads), which request headers their sources read, whether a call may be sent at
 * random to one of several groups of instances (two usable destinations of one priority: weight not
 * 0, not isolated), and the rules' revisions.
 *
 * <p>Everything else the SDK's router chain matches on is the same for every call of a method (the
 * method and path, this application's IP and configured labels; the agent's chain has no router
 * that reads a call's context, see {@code SdkDefaults}), so when no weighted choice is possible, a
 * routing result holds for every call that carries the same method and the same values of those
 * headers: {@link #callKey(String, Metadata)}. Immutable.
 */
final class RouteRules {

  /** No routing rule applies. */
  static final RouteRules NONE = new RouteRules(false, Collections.<String>emptyList(), false, "");

  private final boolean any;
  private final List<Metadata.Key<String>> headers;
  private final boolean weightedChoice;
  private final String identity;

  /**
   * @param any whether a rule applies
   * @param headerNames the request headers the rules read
   * @param weightedChoice whether a call may be sent at random to one of several groups
   * @param revision what changes whenever a rule does
   */
  RouteRules(boolean any, List<String> headerNames, boolean weightedChoice, String revision) {
    this.any = any;
    this.weightedChoice = weightedChoice;
    List<Metadata.Key<String>> keys = new ArrayList<>();
    for (String name : new LinkedHashSet<>(headerNames)) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        continue; // binary headers are never routing arguments
      }
      try {
        keys.add(Metadata.Key.of(lower, Metadata.ASCII_STRING_MARSHALLER));
      } catch (IllegalArgumentException e) {
        // not a legal gRPC header name: no call can carry it, so it cannot tell calls apart
      }
    }
    this.headers = keys;
    StringBuilder id = new StringBuilder(revision);
    for (Metadata.Key<String> key : keys) {
      id.append(',').append(key.name());
    }
    this.identity = id.append(weightedChoice ? ",weighted" : "").toString();
  }

  /**
   * The rules of a call from this application to a destination.
   *
   * @param destinationRule the destination's routing rule (its inbound routes apply), or null
   * @param callerRule this application's routing rule (its outbound routes to the destination
   *     apply), or null
   */
  static RouteRules of(
      ServiceRule destinationRule, ServiceRule callerRule, String namespace, String service) {
    List<RoutingProto.Route> inbound = routes(destinationRule, true);
    List<RoutingProto.Route> outbound = routes(callerRule, false);
    if (inbound.isEmpty() && outbound.isEmpty()) {
      return NONE;
    }
    List<String> headerNames = new ArrayList<>();
    boolean weightedChoice = false;
    for (RoutingProto.Route route : inbound) {
      headerNames.addAll(headersRead(route));
      // The SDK takes every destination of an inbound route as one of the destination's groups.
      weightedChoice |= choosesByWeight(route, null, null);
    }
    for (RoutingProto.Route route : outbound) {
      headerNames.addAll(headersRead(route));
      weightedChoice |= choosesByWeight(route, namespace, service);
    }
    return new RouteRules(
        true,
        headerNames,
        weightedChoice,
        revisionOf(destinationRule) + "/" + revisionOf(callerRule));
  }

  private static List<RoutingProto.Route> routes(ServiceRule rule, boolean inbound) {
    if (rule == null || !(rule.getRule() instanceof RoutingProto.Routing)) {
      return Collections.emptyList();
    }
    RoutingProto.Routing routing = (RoutingProto.Routing) rule.getRule();
    return inbound ? routing.getInboundsList() : routing.getOutboundsList();
  }

  private static List<String> headersRead(RoutingProto.Route route) {
    List<String> names = new ArrayList<>();
    for (RoutingProto.Source source : route.getSourcesList()) {
      for (String key : source.getMetadataMap().keySet()) {
        if (key.startsWith(RouteArgument.LABEL_KEY_HEADER)) {
          names.add(key.substring(RouteArgument.LABEL_KEY_HEADER.length()));
        }
      }
    }
    return names;
  }

  /**
   * Whether two usable destinations of one priority make the SDK choose between them at random;
   * with a namespace and service, only destinations that name them (or {@code *}) count, as the SDK
   * filters those of outbound routes.
   */
  private static boolean choosesByWeight(
      RoutingProto.Route route, String namespace, String service) {
    Map<Integer, Integer> perPriority = new HashMap<>();
    for (RoutingProto.Destination destination : route.getDestinationsList()) {
      if (destination.getWeight().getValue() != 0
          && !destination.getIsolate().getValue()
          && (namespace == null || names(destination.getNamespace().getValue(), namespace))
          && (service == null || names(destination.getService().getValue(), service))
          && perPriority.merge(destination.getPriority().getValue(), 1, Integer::sum) > 1) {
        return true;
      }
    }
    return false;
  }

  private static boolean names(String ruleValue, String ours) {
    return RuleUtils.MATCH_ALL.equals(ruleValue) || ruleValue.equals(ours);
  }

  private static String revisionOf(ServiceRule rule) {
    return rule == null || rule.getRevision() == null ? "" : rule.getRevision();
  }

  /** Whether any routing rule applies: then calls are routed by what they carry. */
  boolean any() {
    return any;
  }

  /**
   * What changes whenever a rule does: the revisions, the headers the rules read and whether they
   * choose by weight.
   */
  String identity() {
    return identity;
  }

  /**
   * What the rules can see of a call: calls with equal keys get the same routing result. Null when
   * results cannot be reused (the rules choose at random by weight).
   */
  Object callKey(String method, Metadata callHeaders) {
    if (weightedChoice) {
      return null;
    }
    if (headers.isEmpty()) {
      return method;
    }
    StringBuilder key = new StringBuilder(method);
    for (Metadata.Key<String> header : headers) {
      String value = callHeaders.get(header);
      // Length first: no value can make two keys alike; -1 for a header the call does not carry.
      if (value == null) {
        key.append("\n-1");
      } else {
        key.append('\n').append(value.length()).append(':').append(value);
      }
    }
    return key.toString();
  }
}
