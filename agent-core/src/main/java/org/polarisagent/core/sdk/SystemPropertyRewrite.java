package org.polarisagent.core.sdk;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Points an SDK class's reads and writes of JVM properties ({@code System.getProperty}, {@code
 * System.setProperty}) at {@link SdkProperties}: the SDK's netty reads every property through
 * {@code SystemPropertyUtil}; its gRPC reads netty's allocator and event loop properties in {@code
 * Utils} (where it also makes its event loop group one thread a core unless the property is set)
 * and whether to record where channels are made in {@code ManagedChannelOrphanWrapper}; its logging
 * bootstrap writes {@code polaris.log.home} in {@code AbstractPolarisLogging}. Build time, run by
 * {@link SdkRewrites}. Stateless.
 */
final class SystemPropertyRewrite {

  /**
   * The classes rewritten: where the SDK reads the properties the agent sets, and its one write of
   * a property when it runs.
   */
  static final String[] CLASSES = {
    "shade.polaris.io.netty.util.internal.SystemPropertyUtil",
    "shade.polaris.io.netty.util.internal.SystemPropertyUtil$1",
    "shade.polaris.io.grpc.netty.Utils",
    "shade.polaris.io.grpc.netty.Utils$DefaultEventLoopGroupResource",
    "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
    "com.tencent.polaris.logging.AbstractPolarisLogging",
  };

  private static final String SYSTEM = "java/lang/System";
  private static final String TARGET = Type.getInternalName(SdkProperties.class);

  private SystemPropertyRewrite() {}

  /**
   * The class with its property calls going to {@link SdkProperties}.
   *
   * @throws IllegalArgumentException if it makes no such call, or calls {@code
   *     System.getProperties}, {@code setProperties} or {@code clearProperty}, which cannot be
   *     pointed there
   */
  static byte[] rewrite(byte[] classFile) {
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer = new ClassWriter(reader, 0);
    int[] rewritten = {0};
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String desc, String signature, String[] exceptions) {
            return new MethodVisitor(
                Opcodes.ASM9, super.visitMethod(access, name, desc, signature, exceptions)) {
              @Override
              public void visitMethodInsn(
                  int opcode, String owner, String method, String descriptor, boolean itf) {
                if (opcode == Opcodes.INVOKESTATIC && SYSTEM.equals(owner)) {
                  String replacement = replacement(method, descriptor);
                  if (replacement != null) {
                    rewritten[0]++;
                    super.visitMethodInsn(opcode, TARGET, replacement, descriptor, false);
                    return;
                  }
                }
                super.visitMethodInsn(opcode, owner, method, descriptor, itf);
              }
            };
          }
        },
        0);
    if (rewritten[0] == 0) {
      throw new IllegalArgumentException("reads and writes no JVM property");
    }
    return writer.toByteArray();
  }

  /** The method of {@link SdkProperties} that replaces this one of {@code System}, or null. */
  private static String replacement(String method, String descriptor) {
    switch (method) {
      case "getProperty":
        return "get";
      case "setProperty":
        return "set";
      case "getProperties":
      case "setProperties":
      case "clearProperty":
        throw new IllegalArgumentException(
            "calls System." + method + descriptor + ", which SdkProperties does not take");
      default:
        return null;
    }
  }
}
