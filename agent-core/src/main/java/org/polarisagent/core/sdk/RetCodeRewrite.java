package org.polarisagent.core.sdk;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Points the SDK's circuit breaker at {@link RetCodeConditions}: in {@value #BREAKER_UTILS}, the
 * method {@value #METHOD} calls {@code RetCodeConditions.matches} where it called {@code
 * RuleUtils.matchStringValue} with the same arguments. Build time, run by {@link SdkRewrites}.
 * Stateless.
 */
final class RetCodeRewrite {

  /** The SDK class that evaluates the error conditions of circuit-breaker rules. */
  static final String BREAKER_UTILS =
      "com.tencent.polaris.plugins.circuitbreaker.composite.utils.CircuitBreakerUtils";

  /** Its method that tells, for one reported call, whether the rule's conditions make it fail. */
  static final String METHOD = "parseRetStatus";

  private static final String SDK_MATCHER = "com/tencent/polaris/api/utils/RuleUtils";
  private static final String MATCH = "matchStringValue";
  private static final String MATCH_DESCRIPTOR =
      "(Lcom/tencent/polaris/specification/api/v1/model/ModelProto$MatchString;"
          + "Ljava/lang/String;Ljava/util/function/Function;)Z";
  private static final String AGENT_MATCHER = RetCodeConditions.class.getName().replace('.', '/');

  private RetCodeRewrite() {}

  /**
   * The class with its one call of the SDK's matcher in {@value #METHOD} going to the agent's.
   *
   * @throws IllegalArgumentException unless there is exactly one such call
   */
  static byte[] rewrite(byte[] classFile) {
    ClassNode type = new ClassNode();
    new ClassReader(classFile).accept(type, 0);
    int redirected = 0;
    for (MethodNode method : type.methods) {
      if (!METHOD.equals(method.name)) {
        continue;
      }
      for (AbstractInsnNode instruction : method.instructions) {
        if (instruction.getOpcode() == Opcodes.INVOKESTATIC
            && isSdkMatch((MethodInsnNode) instruction)) {
          MethodInsnNode call = (MethodInsnNode) instruction;
          call.owner = AGENT_MATCHER;
          call.name = "matches";
          call.itf = false;
          redirected++;
        }
      }
    }
    if (redirected != 1) {
      throw new IllegalArgumentException(
          redirected
              + " calls of RuleUtils."
              + MATCH
              + " in "
              + type.name
              + "."
              + METHOD
              + ", expected 1");
    }
    ClassWriter writer = new ClassWriter(0);
    type.accept(writer);
    return writer.toByteArray();
  }

  private static boolean isSdkMatch(MethodInsnNode call) {
    return SDK_MATCHER.equals(call.owner)
        && MATCH.equals(call.name)
        && MATCH_DESCRIPTOR.equals(call.desc);
  }
}
