package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.RouteArgument;
import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.specification.api.v1.traffic.manage.RoutingProto;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the routing rules between this application and one destination look at: whether there are
 * any (the destination's inbound rules, the caller's outbound rules), which request headers their
 * sources read, whether a call may be sent at random to one of several groups of instances (two
 * destinations of one priority, both with a weight), and the rules' revisions.
 *
 * <p>Everything else the SDK's rule router matches on is the same for every call of a method (the
 * method and path, this application's IP and configured labels), so when no weighted choice is
 * possible, a routing result holds for every call that carries the same method and the same values
 * of those headers: {@link #callKey(String, Metadata)}. Immutable.
 */
final class RouteRules {

  /** No routing rule applies. */
  static final RouteRules NONE = new RouteRules(0, new ArrayList<>(), false, "");

  private final int count;
  private final List<Metadata.Key<String>> headers;
  private final boolean weightedChoice;
  private final String revision;

  /**
   * @param count rules in force (0: none)
   * @param headerNames the request headers the rules read
   * @param weightedChoice whether a call may be sent at random to one of several groups
   * @param revision what changes whenever a rule does
   */
  RouteRules(int count, List<String> headerNames, boolean weightedChoice, String revision) {
    this.count = count;
    this.weightedChoice = weightedChoice;
    this.revision = revision;
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
  }

  /**
   * The rules of a call from this application to a destination.
   *
   * @param destination the destination's routing rule (its inbound routes apply), or null
   * @param caller this application's routing rule (its outbound routes apply), or null
   */
  static RouteRules of(ServiceRule destination, ServiceRule caller) {
    RoutingProto.Routing inbound = routing(destination);
    RoutingProto.Routing outbound = routing(caller);
    if (inbound == null && outbound == null) {
      return NONE;
    }
    int count = 0;
    List<RoutingProto.Route> routes = new ArrayList<>();
    if (inbound != null) {
      count += inbound.getInboundsCount() + inbound.getOutboundsCount() + inbound.getRulesCount();
      routes.addAll(inbound.getInboundsList());
    }
    if (outbound != null) {
      count +=
          outbound.getInboundsCount() + outbound.getOutboundsCount() + outbound.getRulesCount();
      routes.addAll(outbound.getOutboundsList());
    }
    if (count == 0) {
      return NONE;
    }
    List<String> headerNames = new ArrayList<>();
    boolean weightedChoice = false;
    for (RoutingProto.Route route : routes) {
      for (RoutingProto.Source source : route.getSourcesList()) {
        for (String key : source.getMetadataMap().keySet()) {
          if (key.startsWith(RouteArgument.LABEL_KEY_HEADER)) {
            headerNames.add(key.substring(RouteArgument.LABEL_KEY_HEADER.length()));
          }
        }
      }
      weightedChoice |= choosesByWeight(route);
    }
    return new RouteRules(
        count, headerNames, weightedChoice, revisionOf(destination) + "/" + revisionOf(caller));
  }

  /** Whether two usable destinations of one priority make the SDK choose between them at random. */
  private static boolean choosesByWeight(RoutingProto.Route route) {
    Map<Integer, Integer> perPriority = new HashMap<>();
    for (RoutingProto.Destination destination : route.getDestinationsList()) {
      if (destination.getWeight().getValue() > 0 && !destination.getIsolate().getValue()) {
        if (perPriority.merge(destination.getPriority().getValue(), 1, Integer::sum) > 1) {
          return true;
        }
      }
    }
    return false;
  }

  private static RoutingProto.Routing routing(ServiceRule rule) {
    return rule != null && rule.getRule() instanceof RoutingProto.Routing
        ? (RoutingProto.Routing) rule.getRule()
        : null;
  }

  private static String revisionOf(ServiceRule rule) {
    return rule == null || rule.getRevision() == null ? "" : rule.getRevision();
  }

  /** Whether any routing rule applies: then calls are routed one by one. */
  boolean any() {
    return count > 0;
  }

  /** What changes whenever a rule does. */
  String revision() {
    return revision;
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
      // A header that is absent differs from one that is empty; neither contains a newline.
      key.append('\n').append(value == null ? "\u0000" : value);
    }
    return key.toString();
  }
}
