package org.polarisagent.core.sdk;

import java.nio.charset.StandardCharsets;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Gives two libraries inside the SDK the switch that its netty has ({@code noUnsafe}) and they
 * lack: with property {@value #PROPERTY} true as {@link SdkProperties} sees it when they
 * initialize, they do without {@code sun.misc.Unsafe} on the plain-Java paths they already have for
 * JVMs without one.
 *
 * <ul>
 *   <li>protobuf: {@code UnsafeUtil.getUnsafe()} returns null, so protobuf finds no Unsafe;
 *   <li>guava: {@code AbstractFuture$UnsafeAtomicHelper} fails to initialize, so {@code
 *       AbstractFuture} takes its field-updater helper, as it does where Unsafe is missing.
 * </ul>
 *
 * <p>{@link SdkProperties} turns it on on Java 24 and later, which print a warning naming the
 * agent's jar when {@code sun.misc.Unsafe} accesses memory; elsewhere nothing changes. Build time,
 * run by {@link SdkRewrites}. Stateless.
 */
final class SdkUnsafeSwitch {

  /**
   * The property, named like the SDK's relocated netty's {@code shade.polaris.io.netty.noUnsafe}.
   */
  static final String PROPERTY = "shade.polaris.noUnsafe";

  /** The protobuf class that looks Unsafe up. */
  static final String PROTOBUF = "shade.polaris.com.google.protobuf.UnsafeUtil";

  /** The guava class that looks Unsafe up. */
  static final String GUAVA = "shade.polaris.com.google.common.util.concurrent.AbstractFuture";

  /** Its nested class whose initializer reads Unsafe. */
  static final String GUAVA_HELPER = GUAVA + "$UnsafeAtomicHelper";

  private SdkUnsafeSwitch() {}

  /**
   * The class with the switch at the start of its static {@code method}: a method that returns an
   * object returns null, a static initializer throws {@link UnsupportedOperationException}.
   *
   * @throws IllegalArgumentException if the class has no such method, or has the switch already
   */
  static byte[] rewrite(byte[] classFile, String method, String descriptor) {
    // The switch's frame assumes no argument, and it returns null or nothing.
    if (!descriptor.startsWith("()") || !(descriptor.endsWith(")V") || descriptor.endsWith(";"))) {
      throw new IllegalArgumentException(
          "the switch goes only into a method without arguments that returns an object or nothing: "
              + method
              + descriptor);
    }
    if (new String(classFile, StandardCharsets.ISO_8859_1).contains(PROPERTY)) {
      throw new IllegalArgumentException("the switch is there already");
    }
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    boolean[] switched = {false};
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String desc, String signature, String[] exceptions) {
            MethodVisitor visitor = super.visitMethod(access, name, desc, signature, exceptions);
            if (!method.equals(name)
                || !descriptor.equals(desc)
                || (access & Opcodes.ACC_STATIC) == 0) {
              return visitor;
            }
            switched[0] = true;
            return new SwitchAtStart(visitor, desc.endsWith(")V"));
          }
        },
        ClassReader.EXPAND_FRAMES);
    if (!switched[0]) {
      throw new IllegalArgumentException(
          "no static " + method + descriptor + " in " + reader.getClassName());
    }
    return writer.toByteArray();
  }

  /** Puts {@code if (SdkProperties.isTrue(PROPERTY)) return null;} (or throw) before the code. */
  private static final class SwitchAtStart extends MethodVisitor {
    private final boolean throwing;

    SwitchAtStart(MethodVisitor visitor, boolean throwing) {
      super(Opcodes.ASM9, visitor);
      this.throwing = throwing;
    }

    @Override
    public void visitCode() {
      super.visitCode();
      Label off = new Label();
      super.visitLdcInsn(PROPERTY);
      super.visitMethodInsn(
          Opcodes.INVOKESTATIC,
          Type.getInternalName(SdkProperties.class),
          "isTrue",
          "(Ljava/lang/String;)Z",
          false);
      super.visitJumpInsn(Opcodes.IFEQ, off);
      if (throwing) {
        String exception = "java/lang/UnsupportedOperationException";
        super.visitTypeInsn(Opcodes.NEW, exception);
        super.visitInsn(Opcodes.DUP);
        super.visitLdcInsn(PROPERTY);
        super.visitMethodInsn(
            Opcodes.INVOKESPECIAL, exception, "<init>", "(Ljava/lang/String;)V", false);
        super.visitInsn(Opcodes.ATHROW);
      } else {
        super.visitInsn(Opcodes.ACONST_NULL);
        super.visitInsn(Opcodes.ARETURN);
      }
      super.visitLabel(off);
      // The method's first frame: no local, empty stack (static, no parameter).
      super.visitFrame(Opcodes.F_NEW, 0, new Object[0], 0, new Object[0]);
    }
  }
}
