package org.polarisagent.plugin.grpc.weave;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.core.weave.MethodHook;

/**
 * For static channel builder factories that take a host and a port ({@code forAddress}, {@code
 * newChannelBuilderForAddress}): when configuration maps that address to a Polaris service, the
 * application gets the builder of the matching target factory instead. The original factory still
 * runs, so that any failure of the mapping leaves the application's own builder in place. Each
 * {@code return builder} becomes, in Java terms:
 *
 * <pre>
 * return (ReturnType) ClientHooks.redirectAddress(
 *     ThisClass.class, "forAddress", ReturnType.class, builder, new Object[] {host, port, ...});
 * </pre>
 *
 * The bridge hands back the application's builder unless the mapped one is a {@code ReturnType}.
 */
public final class ChannelAddressHook extends MethodHook {

  private static final String HOST_AND_PORT_FIRST = "(Ljava/lang/String;I";

  @Override
  public boolean appliesTo(MethodNode method) {
    return isStatic(method)
        && ("forAddress".equals(method.name) || "newChannelBuilderForAddress".equals(method.name))
        && method.desc.startsWith(HOST_AND_PORT_FIRST)
        && returnsObject(method);
  }

  @Override
  public void apply(String owner, MethodNode method) {
    Type[] arguments = Type.getArgumentTypes(method.desc);
    Type returnType = Type.getReturnType(method.desc);
    beforeEachObjectReturn(
        method,
        () -> {
          InsnList atReturn = new InsnList();
          // builder -> Class, factory, return type, builder, arguments
          atReturn.add(new LdcInsnNode(Type.getObjectType(owner)));
          atReturn.add(new InsnNode(Opcodes.SWAP));
          atReturn.add(new LdcInsnNode(method.name));
          atReturn.add(new InsnNode(Opcodes.SWAP));
          atReturn.add(new LdcInsnNode(returnType));
          atReturn.add(new InsnNode(Opcodes.SWAP));
          atReturn.add(argumentArray(arguments));
          atReturn.add(
              callStatic(
                  ClientHooks.class,
                  "redirectAddress",
                  "(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/Class;Ljava/lang/Object;"
                      + "[Ljava/lang/Object;)Ljava/lang/Object;"));
          atReturn.add(new TypeInsnNode(Opcodes.CHECKCAST, returnType.getInternalName()));
          return atReturn;
        });
    // Over the builder: Class, factory, return type, array, array, index, and a long or double
    // argument (two slots).
    method.maxStack += 8;
  }

  /** Pushes a new {@code Object[]} holding the static method's arguments, primitives boxed. */
  private static InsnList argumentArray(Type[] arguments) {
    InsnList code = new InsnList();
    code.add(new LdcInsnNode(arguments.length));
    code.add(new TypeInsnNode(Opcodes.ANEWARRAY, "java/lang/Object"));
    int slot = 0;
    for (int i = 0; i < arguments.length; i++) {
      Type argument = arguments[i];
      code.add(new InsnNode(Opcodes.DUP));
      code.add(new LdcInsnNode(i));
      code.add(new VarInsnNode(argument.getOpcode(Opcodes.ILOAD), slot));
      MethodInsnNode boxing = boxing(argument);
      if (boxing != null) {
        code.add(boxing);
      }
      code.add(new InsnNode(Opcodes.AASTORE));
      slot += argument.getSize();
    }
    return code;
  }

  /** The {@code valueOf} call that boxes a primitive of this type, or null for a reference. */
  private static MethodInsnNode boxing(Type type) {
    String box;
    switch (type.getSort()) {
      case Type.BOOLEAN:
        box = "java/lang/Boolean";
        break;
      case Type.CHAR:
        box = "java/lang/Character";
        break;
      case Type.BYTE:
        box = "java/lang/Byte";
        break;
      case Type.SHORT:
        box = "java/lang/Short";
        break;
      case Type.INT:
        box = "java/lang/Integer";
        break;
      case Type.FLOAT:
        box = "java/lang/Float";
        break;
      case Type.LONG:
        box = "java/lang/Long";
        break;
      case Type.DOUBLE:
        box = "java/lang/Double";
        break;
      default:
        return null;
    }
    return new MethodInsnNode(
        Opcodes.INVOKESTATIC, box, "valueOf", "(" + type.getDescriptor() + ")L" + box + ";", false);
  }
}
