package org.polarisagent.core.sdk;

import com.tencent.polaris.api.utils.RuleUtils;
import com.tencent.polaris.specification.api.v1.model.ModelProto;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Matches the return code of a reported call against a return-code error condition of a
 * circuit-breaker rule, for the SDK's circuit breaker (the dist build points it here: {@link
 * RetCodeRewrite}).
 *
 * <ul>
 *   <li>{@value #FAILURE}, the code the agent reports for a failed call, meets every condition, as
 *       later SDK versions have it. The SDK the agent ships (2.1.0.0) matched it like any code, so
 *       a failed call counted as a success under every rule that does not name -1, among them the
 *       default rule the SDK gives services without one (codes 500 to 599): failing instances were
 *       never cut off.
 *   <li>Any other code gets the answer of the SDK's {@code RuleUtils.matchStringValue(MatchString,
 *       String, Function)}, without splitting an {@code IN} list into new strings: the SDK matches
 *       the conditions of a rule on every reported call, and splitting the default rule's list of a
 *       hundred codes was three quarters of the cost of a report.
 * </ul>
 *
 * Thread-safe.
 */
public final class RetCodeConditions {

  /** The return code of a failed call. */
  public static final String FAILURE = "-1";

  private RetCodeConditions() {}

  /** Whether {@code actual} meets {@code condition}. */
  public static boolean matches(
      ModelProto.MatchString condition, String actual, Function<String, Pattern> regexToPattern) {
    if (FAILURE.equals(actual)) {
      return true;
    }
    if (condition.getType() != ModelProto.MatchString.MatchStringType.IN) {
      return RuleUtils.matchStringValue(condition, actual, regexToPattern);
    }
    String list = condition.getValue().getValue();
    if (RuleUtils.isMatchAllValue(list)) {
      return true;
    }
    String code = actual == null ? "" : actual;
    Answer last = lastAnswer;
    if (last != null && last.code.equals(code) && (last.list == list || last.list.equals(list))) {
      return last.matched;
    }
    boolean matched = inList(list, code);
    lastAnswer = new Answer(list, code, matched);
    return matched;
  }

  /**
   * The last answer for an {@code IN} list: the same list (the default rule's, whatever the
   * service) is asked about the same code over and over, by each counter of each report.
   */
  private static volatile Answer lastAnswer;

  private static final class Answer {
    final String list;
    final String code;
    final boolean matched;

    Answer(String list, String code, boolean matched) {
      this.list = list;
      this.code = code;
      this.matched = matched;
    }
  }

  /**
   * Whether one of the comma-separated entries of {@code list} equals {@code actual}, ignoring
   * case, with the entries {@code list.split(",")} gives (trailing empty entries dropped).
   */
  static boolean inList(String list, String actual) {
    int end = list.length();
    while (end > 0 && list.charAt(end - 1) == ',') {
      end--;
    }
    int length = actual.length();
    int start = 0;
    while (end > 0) {
      int comma = list.indexOf(',', start);
      int entryEnd = comma < 0 || comma > end ? end : comma;
      if (entryEnd - start == length && list.regionMatches(true, start, actual, 0, length)) {
        return true;
      }
      if (entryEnd >= end) {
        return false;
      }
      start = entryEnd + 1;
    }
    return false;
  }
}
