package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tencent.polaris.api.plugin.circuitbreaker.ResourceStat;
import com.tencent.polaris.api.plugin.circuitbreaker.entity.InstanceResource;
import com.tencent.polaris.api.pojo.RetStatus;
import com.tencent.polaris.api.pojo.ServiceKey;
import com.tencent.polaris.specification.api.v1.fault.tolerance.CircuitBreakerProto.ErrorCondition;
import com.tencent.polaris.specification.api.v1.model.ModelProto;
import com.tencent.polaris.specification.api.v1.model.ModelProto.MatchString.MatchStringType;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import shade.polaris.com.google.protobuf.StringValue;

/**
 * The SDK's circuit breaker, rewritten as the dist build rewrites it, calls {@link
 * RetCodeConditions}: a call reported with code -1 fails under every return-code condition, other
 * calls are told apart as before.
 */
class RetCodeRewriteTest {

  private static final Function<String, Pattern> REGEX = Pattern::compile;

  @Test
  void parseRetStatusCallsTheAgentsMatcherInsteadOfTheSdks() {
    byte[] original = ClassFiles.bytes(RetCodeRewrite.BREAKER_UTILS);
    assertEquals(1, callsOf(original, "com/tencent/polaris/api/utils/RuleUtils"));
    byte[] rewritten = RetCodeRewrite.rewrite(original);
    assertEquals(0, callsOf(rewritten, "com/tencent/polaris/api/utils/RuleUtils"));
    assertEquals(1, callsOf(rewritten, "org/polarisagent/core/sdk/RetCodeConditions"));
  }

  @Test
  void aClassRewrittenAlreadyIsRefused() {
    byte[] rewritten = RetCodeRewrite.rewrite(ClassFiles.bytes(RetCodeRewrite.BREAKER_UTILS));
    assertThrows(IllegalArgumentException.class, () -> RetCodeRewrite.rewrite(rewritten));
  }

  @Test
  void theRewrittenBreakerClassifiesReportsAsTheOriginalDoes() throws Exception {
    Method original =
        parseRetStatus(
            RetCodeRewriteTest.class.getClassLoader().loadClass(RetCodeRewrite.BREAKER_UTILS));
    Method rewritten =
        parseRetStatus(ClassFiles.rewritten(RetCodeRewrite.BREAKER_UTILS, RetCodeRewrite::rewrite));
    String defaultCodes =
        IntStream.range(500, 600).mapToObj(String::valueOf).collect(Collectors.joining(","));
    List<List<ErrorCondition>> conditionLists =
        Arrays.asList(
            new ArrayList<>(),
            Arrays.asList(retCode(MatchStringType.IN, defaultCodes)),
            Arrays.asList(retCode(MatchStringType.EXACT, "-1")),
            Arrays.asList(retCode(MatchStringType.RANGE, "1~5"), delay("100")));
    int failures = 0;
    for (List<ErrorCondition> conditions : conditionLists) {
      for (int code : new int[] {-1, 0, 3, 500, 599}) {
        for (long delay : new long[] {0, 150}) {
          ResourceStat stat = stat(code, delay);
          Object expected =
              code == -1 && hasRetCodeCondition(conditions)
                  ? RetStatus.RetFail
                  : original.invoke(null, stat, conditions, REGEX);
          assertEquals(
              expected,
              rewritten.invoke(null, stat, conditions, REGEX),
              "code " + code + ", delay " + delay + ", " + conditions);
          failures += expected == RetStatus.RetFail ? 1 : 0;
        }
      }
    }
    assertEquals(14, failures, "failures among the cases");
    assertEquals(
        RetStatus.RetSuccess,
        original.invoke(
            null, stat(-1, 0), Arrays.asList(retCode(MatchStringType.IN, defaultCodes)), REGEX),
        "the SDK alone counts a failed call as a success under its default rule");
  }

  private static boolean hasRetCodeCondition(List<ErrorCondition> conditions) {
    for (ErrorCondition condition : conditions) {
      if (condition.getInputType() == ErrorCondition.InputType.RET_CODE) {
        return true;
      }
    }
    return false;
  }

  private static Method parseRetStatus(Class<?> utils) throws NoSuchMethodException {
    return utils.getMethod(RetCodeRewrite.METHOD, ResourceStat.class, List.class, Function.class);
  }

  private static ResourceStat stat(int code, long delay) {
    ServiceKey service = new ServiceKey("default", "echo");
    InstanceResource instance =
        new InstanceResource(
            service, "127.0.0.1", 8080, new ServiceKey("default", "caller"), "grpc");
    return new ResourceStat(
        instance, code, delay, code == -1 ? RetStatus.RetFail : RetStatus.RetSuccess);
  }

  private static ErrorCondition retCode(MatchStringType type, String value) {
    return ErrorCondition.newBuilder()
        .setInputType(ErrorCondition.InputType.RET_CODE)
        .setCondition(
            ModelProto.MatchString.newBuilder().setType(type).setValue(StringValue.of(value)))
        .build();
  }

  private static ErrorCondition delay(String millis) {
    return ErrorCondition.newBuilder()
        .setInputType(ErrorCondition.InputType.DELAY)
        .setCondition(ModelProto.MatchString.newBuilder().setValue(StringValue.of(millis)))
        .build();
  }

  /** Calls from {@code parseRetStatus} to a static method named like a matcher of {@code owner}. */
  private static int callsOf(byte[] classFile, String owner) {
    ClassNode type = new ClassNode();
    new ClassReader(classFile).accept(type, 0);
    int calls = 0;
    for (MethodNode method : type.methods) {
      if (!method.name.equals(RetCodeRewrite.METHOD)) {
        continue;
      }
      for (AbstractInsnNode instruction : method.instructions) {
        if (instruction instanceof MethodInsnNode
            && ((MethodInsnNode) instruction).owner.equals(owner)) {
          calls++;
        }
      }
    }
    return calls;
  }
}
