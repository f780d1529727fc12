package org.polarisagent.core.weave;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Code added, in place, to the methods it applies to. A hook adds no member and moves no existing
 * instruction, so a class already loaded can be rewritten too (retransformation). Hooks call static
 * methods of the agent's bridge types, which never throw; implementations are stateless.
 */
public abstract class MethodHook {

  /** Whether this hook rewrites the method (its name, descriptor and access flags are read). */
  public abstract boolean appliesTo(MethodNode method);

  /**
   * Rewrites the method's instructions, and raises its {@code maxStack} by what the added code
   * needs.
   *
   * @param owner internal name of the class declaring the method
   */
  public abstract void apply(String owner, MethodNode method);

  protected static boolean isStatic(MethodNode method) {
    return (method.access & Opcodes.ACC_STATIC) != 0;
  }

  /** Whether the method has code of its own: neither abstract, native nor a compiler's bridge. */
  protected static boolean isImplemented(MethodNode method) {
    return (method.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE | Opcodes.ACC_BRIDGE)) == 0;
  }

  /** Whether the method returns an object (not a primitive, not void). */
  protected static boolean returnsObject(MethodNode method) {
    return Type.getReturnType(method.desc).getSort() == Type.OBJECT;
  }

  /** Inserts the code built by {@code code} before each {@code ARETURN} of the method. */
  protected static void beforeEachObjectReturn(MethodNode method, CodeAtReturn code) {
    for (AbstractInsnNode instruction : method.instructions.toArray()) {
      if (instruction.getOpcode() == Opcodes.ARETURN) {
        method.instructions.insertBefore(instruction, code.build());
      }
    }
  }

  /** A call of a static method of {@code bridge}. */
  protected static MethodInsnNode callStatic(Class<?> bridge, String name, String descriptor) {
    return new MethodInsnNode(
        Opcodes.INVOKESTATIC, Type.getInternalName(bridge), name, descriptor, false);
  }

  /** Builds the code inserted before one return instruction: the returned value is on the stack. */
  protected interface CodeAtReturn {
    InsnList build();
  }
}
