package org.polarisagent.plugin.grpc.weave;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.polarisagent.bootstrap.ServerHooks;
import org.polarisagent.core.weave.MethodHook;

/**
 * For {@code build()} of every concrete or forwarding {@code io.grpc.ServerBuilder}: prepares the
 * builder and observes the server it returns, once per outermost call. The method becomes, in Java
 * terms:
 *
 * <pre>
 * ServerHooks.enterBuild(this);
 * try {
 *   ... original body, where each {@code return server} becomes
 *   return (ReturnType) ServerHooks.exitBuild(this, server, ReturnType.class);
 * } catch (Throwable t) {
 *   ServerHooks.exitBuild(this, null, ReturnType.class);
 *   throw t;
 * }
 * </pre>
 *
 * The handler is the last entry of the exception table, so the method's own handlers still come
 * first. It also covers the code added before the returns, which cannot throw but for a virtual
 * machine error; {@code exitBuild} never lets the depth it counts fall below zero.
 */
public final class ServerBuildHook extends MethodHook {

  private static final String EXIT_DESCRIPTOR =
      "(Ljava/lang/Object;Ljava/lang/Object;Ljava/lang/Class;)Ljava/lang/Object;";

  @Override
  public boolean appliesTo(MethodNode method) {
    return !isStatic(method)
        && (method.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0
        && "build".equals(method.name)
        && method.desc.startsWith("()")
        && returnsObject(method);
  }

  @Override
  public void apply(String owner, MethodNode method) {
    Type returnType = Type.getReturnType(method.desc);
    LabelNode start = new LabelNode();
    InsnList atEntry = new InsnList();
    atEntry.add(new VarInsnNode(Opcodes.ALOAD, 0));
    atEntry.add(callStatic(ServerHooks.class, "enterBuild", "(Ljava/lang/Object;)V"));
    atEntry.add(start);
    method.instructions.insert(atEntry);
    beforeEachObjectReturn(
        method,
        () -> {
          InsnList atReturn = new InsnList();
          atReturn.add(new VarInsnNode(Opcodes.ALOAD, 0));
          atReturn.add(new InsnNode(Opcodes.SWAP));
          atReturn.add(new LdcInsnNode(returnType));
          atReturn.add(callStatic(ServerHooks.class, "exitBuild", EXIT_DESCRIPTOR));
          atReturn.add(new TypeInsnNode(Opcodes.CHECKCAST, returnType.getInternalName()));
          return atReturn;
        });
    LabelNode handler = new LabelNode();
    InsnList onThrow = new InsnList();
    onThrow.add(handler);
    // At the handler only "this" is known; every other local is unused from here on.
    onThrow.add(
        new FrameNode(
            Opcodes.F_NEW, 1, new Object[] {owner}, 1, new Object[] {"java/lang/Throwable"}));
    onThrow.add(new VarInsnNode(Opcodes.ALOAD, 0));
    onThrow.add(new InsnNode(Opcodes.ACONST_NULL));
    onThrow.add(new LdcInsnNode(returnType));
    onThrow.add(callStatic(ServerHooks.class, "exitBuild", EXIT_DESCRIPTOR));
    onThrow.add(new InsnNode(Opcodes.POP));
    onThrow.add(new InsnNode(Opcodes.ATHROW));
    method.instructions.add(onThrow);
    method.tryCatchBlocks.add(
        new TryCatchBlockNode(start, handler, handler, "java/lang/Throwable"));
    // this, server and return type over what the method had; or the thrown value, this, null and
    // return type.
    method.maxStack = Math.max(method.maxStack + 2, 4);
  }
}
