package org.polarisagent.core.weave;

import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Applies {@link MethodHook}s to the methods of one class file. Frames are read expanded, so that a
 * hook may add a frame of its own; the writer computes nothing (hooks keep their stack and frames
 * right), which keeps rewriting cheap and free of class loading. Stateless.
 */
public final class ClassWeaver {

  private ClassWeaver() {}

  /** Returns the rewritten class file, or null when no hook applies to any of its methods. */
  public static byte[] weave(byte[] classFile, List<? extends MethodHook> hooks) {
    ClassNode type = new ClassNode();
    new ClassReader(classFile).accept(type, ClassReader.EXPAND_FRAMES);
    boolean changed = false;
    for (MethodNode method : type.methods) {
      for (MethodHook hook : hooks) {
        if (hook.appliesTo(method)) {
          hook.apply(type.name, method);
          changed = true;
        }
      }
    }
    if (!changed) {
      return null;
    }
    ClassWriter writer = new ClassWriter(0);
    type.accept(writer);
    return writer.toByteArray();
  }
}
