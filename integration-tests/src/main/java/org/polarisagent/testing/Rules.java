package org.polarisagent.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Creates, enables and deletes governance rules through the Polaris OpenAPI, as an operator would;
 * used by the tests and the benchmarks.
 */
public final class Rules {

  private Rules() {}

  /**
   * A v2 routing rule on {@code service}: calls carrying header {@code header=value} go to
   * instances with metadata {@code version=taggedVersion}, all other calls to {@code
   * version=otherVersion}. Returns its id.
   */
  public static String headerRouting(
      PolarisOpenApi api,
      String service,
      String header,
      String value,
      String taggedVersion,
      String otherVersion) {
    return headerRouting(api, service, header, value, "version", taggedVersion, otherVersion);
  }

  /**
   * Like {@link #headerRouting(PolarisOpenApi, String, String, String, String, String)} on any
   * metadata label.
   */
  public static String headerRouting(
      PolarisOpenApi api,
      String service,
      String header,
      String value,
      String label,
      String taggedValue,
      String otherValue) {
    String body =
        """
        [{"name": "%1$s-by-header", "namespace": "default", "enable": false, "routing_policy": "RulePolicy",
          "priority": 0,
          "routing_config": {"@type": "type.googleapis.com/v1.RuleRoutingConfig", "rules": [
            {"name": "tagged",
             "sources": [{"service": "*", "namespace": "*", "arguments": [
               {"type": "HEADER", "key": "%2$s", "value": {"type": "EXACT", "value": "%3$s", "value_type": "TEXT"}}]}],
             "destinations": [{"service": "%1$s", "namespace": "default", "name": "tagged", "weight": 100,
               "labels": {"%6$s": {"type": "EXACT", "value": "%4$s", "value_type": "TEXT"}}}]},
            {"name": "others",
             "sources": [{"service": "*", "namespace": "*", "arguments": []}],
             "destinations": [{"service": "%1$s", "namespace": "default", "name": "others", "weight": 100,
               "labels": {"%6$s": {"type": "EXACT", "value": "%5$s", "value_type": "TEXT"}}}]}]}}]
        """
            .formatted(service, header, value, taggedValue, otherValue, label);
    String id = firstId(api.post("/naming/v2/routings", body));
    api.put("/naming/v2/routings/enable", "[{\"id\": \"" + id + "\", \"enable\": true}]");
    return id;
  }

  public static void deleteRouting(PolarisOpenApi api, String id) {
    api.post("/naming/v2/routings/delete", "[{\"id\": \"" + id + "\"}]");
  }

  /**
   * An instance-level circuit-breaker rule on {@code service}: {@code errors} consecutive failed
   * calls open an instance's breaker, {@code sleepSeconds} later it lets calls through again and
   * closes after one success.
   */
  public static String instanceBreaker(
      PolarisOpenApi api, String service, int errors, int sleepSeconds) {
    return breaker(api, service, "instance", "INSTANCE", "", errors, sleepSeconds);
  }

  /**
   * A method-level circuit-breaker rule on {@code method} of {@code service}: {@code errors}
   * consecutive failed calls of that method open its breaker for {@code sleepSeconds}.
   */
  public static String methodBreaker(
      PolarisOpenApi api, String service, String method, int errors, int sleepSeconds) {
    String matcher =
        """
        , "method": {"type": "EXACT", "value": "%s", "value_type": "TEXT"}"""
            .formatted(method);
    return breaker(api, service, "method", "METHOD", matcher, errors, sleepSeconds);
  }

  /**
   * A service-level circuit-breaker rule on {@code service}: {@code errors} consecutive failed
   * calls to the service, whatever the instance or method, open its breaker; {@code sleepSeconds}
   * later it lets calls through again and closes after one success.
   */
  public static String serviceBreaker(
      PolarisOpenApi api, String service, int errors, int sleepSeconds) {
    return breaker(api, service, "service", "SERVICE", "", errors, sleepSeconds);
  }

  /**
   * A circuit-breaker rule named {@code <service>-<kind>-breaker} of a level, counting failures
   * (return code -1) as errors, with {@code destinationExtra} added to its destination matcher.
   */
  private static String breaker(
      PolarisOpenApi api,
      String service,
      String kind,
      String level,
      String destinationExtra,
      int errors,
      int sleepSeconds) {
    String body =
        """
        [{"name": "%1$s-%2$s-breaker", "namespace": "default", "enable": true, "level": "%3$s",
          "rule_matcher": {"source": {"service": "*", "namespace": "*"},
                           "destination": {"service": "%1$s", "namespace": "default"%4$s}},
          "error_conditions": [{"input_type": "RET_CODE",
                                "condition": {"type": "EXACT", "value": "-1", "value_type": "TEXT"}}],
          "trigger_condition": [{"trigger_type": "CONSECUTIVE_ERROR", "error_count": %5$d}],
          "recoverCondition": {"sleep_window": %6$d, "consecutiveSuccess": 1},
          "faultDetectConfig": {"enable": false}}]
        """
            .formatted(service, kind, level, destinationExtra, errors, sleepSeconds);
    return firstId(api.post("/naming/v1/circuitbreaker/rules", body));
  }

  /**
   * An enabled LOCAL rate-limit rule on {@code method} (a gRPC path) of {@code service}: {@code
   * perSecond} calls per second pass, the others are rejected.
   */
  public static void localRateLimit(
      PolarisOpenApi api, String service, String name, String method, int perSecond) {
    String body =
        """
        [{"name": "%2$s", "namespace": "default", "service": "%1$s",
          "method": {"type": "EXACT", "value": "%3$s"},
          "type": "LOCAL", "resource": "QPS", "action": "REJECT",
          "amounts": [{"maxAmount": %4$d, "validDuration": "1s"}], "disable": false}]
        """
            .formatted(service, name, method, perSecond);
    api.post("/naming/v1/ratelimits", body);
  }

  private static String firstId(JsonObject response) {
    JsonArray responses = response.getAsJsonArray("responses");
    JsonObject first = responses.get(0).getAsJsonObject();
    for (String field : new String[] {"data", "routing", "circuitBreakerRule", "data"}) {
      if (first.has(field)
          && first.get(field).isJsonObject()
          && first.getAsJsonObject(field).has("id")) {
        return first.getAsJsonObject(field).get("id").getAsString();
      }
    }
    throw new IllegalStateException("no rule id in " + response);
  }

  public static JsonObject parse(String json) {
    return JsonParser.parseString(json).getAsJsonObject();
  }
}
