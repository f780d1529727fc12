package org.polarisagent.plugin.grpc.weave;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.core.weave.MethodHook;

/**
 * For static channel builder factories that take a target string ({@code forTarget}, {@code
 * newChannelBuilder}): lets the agent map the target before the factory sees it, and prepare the
 * builder of a Polaris target once it exists. The factory becomes, in Java terms:
 *
 * <pre>
 * target = ClientHooks.onTarget(ThisClass.class, target);
 * ... original body, where each {@code return builder} first runs
 * ClientHooks.onBuilder(target, builder);
 * </pre>
 */
public final class ChannelTargetHook extends MethodHook {

  private static final String TARGET_FIRST = "(Ljava/lang/String;";

  @Override
  public boolean appliesTo(MethodNode method) {
    return isStatic(method)
        && ("forTarget".equals(method.name) || "newChannelBuilder".equals(method.name))
        && method.desc.startsWith(TARGET_FIRST)
        && returnsObject(method);
  }

  @Override
  public void apply(String owner, MethodNode method) {
    InsnList atEntry = new InsnList();
    atEntry.add(new LdcInsnNode(Type.getObjectType(owner)));
    atEntry.add(new VarInsnNode(Opcodes.ALOAD, 0));
    atEntry.add(
        callStatic(
            ClientHooks.class,
            "onTarget",
            "(Ljava/lang/Class;Ljava/lang/String;)Ljava/lang/String;"));
    atEntry.add(new VarInsnNode(Opcodes.ASTORE, 0));
    method.instructions.insert(atEntry);
    beforeEachObjectReturn(
        method,
        () -> {
          InsnList atReturn = new InsnList();
          atReturn.add(new InsnNode(Opcodes.DUP));
          atReturn.add(new VarInsnNode(Opcodes.ALOAD, 0));
          atReturn.add(new InsnNode(Opcodes.SWAP));
          atReturn.add(
              callStatic(
                  ClientHooks.class, "onBuilder", "(Ljava/lang/String;Ljava/lang/Object;)V"));
          return atReturn;
        });
    // The target twice, or the builder twice and the target.
    method.maxStack = Math.max(method.maxStack + 2, 2);
  }
}
