package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.utils.RuleUtils;
import com.tencent.polaris.specification.api.v1.model.ModelProto;
import com.tencent.polaris.specification.api.v1.model.ModelProto.MatchString.MatchStringType;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import shade.polaris.com.google.protobuf.StringValue;

/**
 * {@link RetCodeConditions}: a failed call's code meets every condition; any other code gets the
 * answer of the SDK's own matcher, for every input tried.
 */
class RetCodeConditionsTest {

  private static final Function<String, Pattern> REGEX = Pattern::compile;

  /** The list of the SDK's default instance rule. */
  private static final String DEFAULT_RULE_CODES =
      IntStream.range(500, 600).mapToObj(String::valueOf).collect(Collectors.joining(","));

  private static final List<String> LISTS =
      Arrays.asList(
          DEFAULT_RULE_CODES,
          "",
          "*",
          ",",
          ",,",
          "a",
          "A,b",
          "a,,b",
          "a,b,",
          "a,b,,",
          ",a",
          ",,a,,",
          " a , b",
          "-1,0",
          "14,UNAVAILABLE",
          "x*",
          "ß,SS");

  private static final List<String> ACTUALS =
      Arrays.asList(
          null,
          "",
          "0",
          "-10",
          "1",
          "500",
          "599",
          "600",
          "a",
          "A",
          "b",
          "B",
          " a ",
          " b",
          "a,b",
          ",",
          "unavailable",
          "14",
          "x",
          "ss",
          "ß",
          "SS");

  @Test
  void inListsMatchAsTheSdkMatchesThem() {
    int matched = 0;
    for (String list : LISTS) {
      for (String actual : ACTUALS) {
        ModelProto.MatchString condition = condition(MatchStringType.IN, list);
        boolean expected = RuleUtils.matchStringValue(condition, actual, REGEX);
        for (int asked = 1; asked <= 2; asked++) { // the second time, the last answer serves
          assertEquals(
              expected,
              RetCodeConditions.matches(condition, actual, REGEX),
              "IN '" + list + "' with '" + actual + "', asked " + asked + " time(s)");
        }
        matched += expected ? 1 : 0;
      }
    }
    assertTrue(matched > 20, "the corpus has matches: " + matched);
  }

  @Test
  void theLastAnswerServesOnlyTheSameListAndCode() {
    ModelProto.MatchString fiveHundreds = condition(MatchStringType.IN, "500,501");
    ModelProto.MatchString prefixes = condition(MatchStringType.IN, "5,50,5000");
    assertTrue(RetCodeConditions.matches(fiveHundreds, "500", REGEX));
    assertEquals(false, RetCodeConditions.matches(prefixes, "500", REGEX));
    assertEquals(false, RetCodeConditions.matches(fiveHundreds, "600", REGEX));
    assertTrue(
        RetCodeConditions.matches(
            condition(MatchStringType.IN, new String("500,501".toCharArray())), "501", REGEX),
        "an equal list in another string");
  }

  @Test
  void aFailedCallMeetsEveryCondition() {
    for (MatchStringType type : MatchStringType.values()) {
      if (type == MatchStringType.UNRECOGNIZED) {
        continue;
      }
      for (String value : Arrays.asList(DEFAULT_RULE_CODES, "500~599", "14", "5.*", "0,1")) {
        assertTrue(
            RetCodeConditions.matches(condition(type, value), RetCodeConditions.FAILURE, REGEX),
            type + " '" + value + "'");
      }
    }
  }

  @Test
  void otherTypesAreTheSdksOwnAnswer() {
    for (MatchStringType type :
        Arrays.asList(
            MatchStringType.EXACT,
            MatchStringType.REGEX,
            MatchStringType.NOT_EQUALS,
            MatchStringType.NOT_IN,
            MatchStringType.RANGE)) {
      for (String value : Arrays.asList("500~599", "-1", "5.*", "0,-1", "a")) {
        for (String actual : ACTUALS) {
          ModelProto.MatchString condition = condition(type, value);
          assertEquals(
              RuleUtils.matchStringValue(condition, actual, REGEX),
              RetCodeConditions.matches(condition, actual, REGEX),
              type + " '" + value + "' with '" + actual + "'");
        }
      }
    }
  }

  private static ModelProto.MatchString condition(MatchStringType type, String value) {
    return ModelProto.MatchString.newBuilder()
        .setType(type)
        .setValue(StringValue.of(value))
        .build();
  }
}
