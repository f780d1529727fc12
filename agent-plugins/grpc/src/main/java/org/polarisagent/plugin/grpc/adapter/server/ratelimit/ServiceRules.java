package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.specification.api.v1.model.ModelProto.MatchString;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Amount;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.MatchArgument;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.RateLimit;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.Rule;
import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the rate-limit rules of one Polaris service ask of each call, worked out once per rule
 * revision: whether calls must ask the SDK at all (some enabled rule has a quota), and which call
 * arguments the rules match on, so that a call collects only those. Also lists what in the rules
 * can never match a gRPC call, for one WARN each. Immutable.
 */
final class ServiceRules {

  /** A service without enabled rules: its calls are not checked. */
  static final ServiceRules NONE =
      new ServiceRules(
          null,
          Collections.<String>emptyList(),
          Collections.<String>emptyList(),
          false,
          false,
          false,
          Collections.<HeaderArgument>emptyList(),
          Collections.<String>emptyList());

  /** The SDK's revision of the rules, null if it gave none. */
  final String revision;

  /** Names of the enabled rules with a quota; empty: calls pass unchecked. */
  final List<String> enforced;

  /** The same rules with their quotas and methods, for the log. */
  final List<String> descriptions;

  final boolean method;
  final boolean callerService;
  final boolean callerIp;
  final List<HeaderArgument> headers;
  final List<String> problems;

  /**
   * A request header a rule matches on: its name as the rule writes it and as gRPC metadata key.
   */
  static final class HeaderArgument {
    final String ruleKey;
    final Metadata.Key<String> key;

    HeaderArgument(String ruleKey, Metadata.Key<String> key) {
      this.ruleKey = ruleKey;
      this.key = key;
    }
  }

  private ServiceRules(
      String revision,
      List<String> enforced,
      List<String> descriptions,
      boolean method,
      boolean callerService,
      boolean callerIp,
      List<HeaderArgument> headers,
      List<String> problems) {
    this.revision = revision;
    this.enforced = enforced;
    this.descriptions = descriptions;
    this.method = method;
    this.callerService = callerService;
    this.callerIp = callerIp;
    this.headers = headers;
    this.problems = problems;
  }

  boolean limited() {
    return !enforced.isEmpty();
  }

  /** The plan for a service's rules as the SDK returned them ({@code rateLimit} null: no rule). */
  static ServiceRules of(String revision, RateLimit rateLimit, String service) {
    if (rateLimit == null) {
      return revision == null ? NONE : withRevision(revision);
    }
    List<String> enforced = new ArrayList<>();
    List<String> descriptions = new ArrayList<>();
    boolean method = false;
    boolean callerService = false;
    boolean callerIp = false;
    Map<String, HeaderArgument> headers = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Rule rule : rateLimit.getRulesList()) {
      boolean hasQuota =
          rule.getAmountsCount() > 0 || rule.getConcurrencyAmount().getMaxAmount() > 0;
      if (rule.getDisable().getValue() || !hasQuota) {
        continue;
      }
      String name = nameOf(rule);
      enforced.add(name);
      descriptions.add(describe(name, rule));
      checkMethod(rule.getMethod(), name, service, problems);
      for (MatchArgument argument : rule.getArgumentsList()) {
        switch (argument.getType()) {
          case METHOD:
            method = true;
            break;
          case CALLER_SERVICE:
            callerService = true;
            break;
          case CALLER_IP:
            callerIp = true;
            break;
          case HEADER:
            HeaderArgument header = header(argument.getKey());
            if (header != null) {
              headers.put(argument.getKey(), header);
            } else {
              problems.add(
                  ruleText(name, service)
                      + " matches on header '"
                      + argument.getKey()
                      + "', which is not a text header of gRPC calls; it never applies");
            }
            break;
          default:
            problems.add(
                ruleText(name, service)
                    + " matches on "
                    + argument.getType()
                    + ", which gRPC calls do not carry; it never applies");
        }
      }
    }
    if (enforced.isEmpty()) {
      return revision == null ? NONE : withRevision(revision);
    }
    return new ServiceRules(
        revision,
        Collections.unmodifiableList(enforced),
        Collections.unmodifiableList(descriptions),
        method,
        callerService,
        callerIp,
        Collections.unmodifiableList(new ArrayList<>(headers.values())),
        Collections.unmodifiableList(problems));
  }

  private static ServiceRules withRevision(String revision) {
    return new ServiceRules(
        revision,
        NONE.enforced,
        NONE.descriptions,
        false,
        false,
        false,
        NONE.headers,
        NONE.problems);
  }

  /** E.g. {@code echo-limit (10/1s on /echo.Echo/Echo)}. */
  private static String describe(String name, Rule rule) {
    StringBuilder text = new StringBuilder(name).append(" (");
    String separator = "";
    for (Amount amount : rule.getAmountsList()) {
      long millis =
          amount.getValidDuration().getSeconds() * 1000
              + amount.getValidDuration().getNanos() / 1_000_000;
      text.append(separator)
          .append(amount.getMaxAmount().getValue())
          .append('/')
          .append(millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms");
      separator = ", ";
    }
    if (rule.getConcurrencyAmount().getMaxAmount() > 0) {
      text.append(separator)
          .append(rule.getConcurrencyAmount().getMaxAmount())
          .append(" concurrent");
    }
    String method = rule.getMethod().getValue().getValue();
    text.append(" on ").append(method.isEmpty() || "*".equals(method) ? "every method" : method);
    if (rule.getArgumentsCount() > 0) {
      text.append(" with ").append(rule.getArgumentsCount()).append(" argument condition(s)");
    }
    return text.append(')').toString();
  }

  static String nameOf(Rule rule) {
    String name = rule.getName().getValue();
    return name.isEmpty() ? rule.getId().getValue() : name;
  }

  private static String ruleText(String name, String service) {
    return "Polaris rate-limit rule '" + name + "' of service " + service;
  }

  private static HeaderArgument header(String name) {
    if (name.isEmpty() || name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
      return null;
    }
    try {
      return new HeaderArgument(name, Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    } catch (IllegalArgumentException invalidName) {
      return null;
    }
  }

  /**
   * The SDK compares EXACT, NOT_EQUALS, IN and NOT_IN method values with the call's method path
   * segment by segment after the leading slash: a value without that slash never equals a gRPC
   * path.
   */
  private static void checkMethod(
      MatchString method, String name, String service, List<String> problems) {
    String value = method.getValue().getValue();
    if (value.isEmpty()
        || "*".equals(value)
        || method.getValueType() != MatchString.ValueType.TEXT) {
      return;
    }
    List<String> values;
    switch (method.getType()) {
      case EXACT:
      case NOT_EQUALS:
        values = Collections.singletonList(value);
        break;
      case IN:
      case NOT_IN:
        values = Arrays.asList(value.split(","));
        break;
      default:
        return;
    }
    for (String each : values) {
      if (!each.startsWith("/")) {
        String path = each.contains("/") ? "/" + each : "/<grpc service>/" + each;
        problems.add(
            ruleText(name, service)
                + " names method '"
                + each
                + "', which is not a gRPC method path"
                + " and never equals one: write '"
                + path
                + "' (e.g. /echo.Echo/Echo, or /echo.Echo/{method} for"
                + " every method of echo.Echo)");
      }
    }
  }
}
