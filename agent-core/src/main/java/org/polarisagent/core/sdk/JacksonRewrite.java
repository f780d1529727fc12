package org.polarisagent.core.sdk;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Makes an SDK class that made a Jackson mapper when it (or its instance) was initialized use one
 * of {@link SdkJackson}'s, made on first use, instead: its initializer no longer makes and
 * configures the mapper, and every read of the mapper field calls {@code SdkJackson} instead. Build
 * time, run by {@link SdkRewrites}. Stateless.
 */
final class JacksonRewrite {

  /** The SDK's plugin configuration: a mapper per instance, in field {@code mapper}. */
  static final String PLUGIN_CONFIG = "com.tencent.polaris.factory.config.plugin.PluginConfigImpl";

  /** The SDK's configuration checks: a mapper made when the class initializes, {@code MAPPER}. */
  static final String CONFIG_UTILS = "com.tencent.polaris.factory.util.ConfigUtils";

  private static final String JACKSON = "shade/polaris/com/fasterxml/jackson/";
  private static final String MAPPER = JACKSON + "databind/ObjectMapper";
  private static final String SDK_JACKSON = SdkJackson.class.getName().replace('.', '/');

  private JacksonRewrite() {}

  /** {@link #PLUGIN_CONFIG} going to {@link SdkJackson#pluginConfigMapper()}. */
  static byte[] pluginConfig(byte[] classFile) {
    return rewrite(classFile, "<init>", "mapper", "pluginConfigMapper");
  }

  /** {@link #CONFIG_UTILS} going to {@link SdkJackson#plainMapper()}. */
  static byte[] configUtils(byte[] classFile) {
    return rewrite(classFile, "<clinit>", "MAPPER", "plainMapper");
  }

  /**
   * The class with {@code initializer}'s mapper gone and the reads of {@code field} elsewhere
   * calling {@code SdkJackson.<mapper>()}.
   *
   * @throws IllegalArgumentException unless one initializer ends by making the mapper and other
   *     methods read it
   */
  static byte[] rewrite(byte[] classFile, String initializer, String field, String mapper) {
    ClassNode type = new ClassNode();
    new ClassReader(classFile).accept(type, 0);
    if ((type.version & 0xFFFF) > Opcodes.V1_8) {
      // From Java 11 on, nested classes may read the field directly, and they are not rewritten.
      throw new IllegalArgumentException(type.name + ": class file newer than Java 8");
    }
    int initializers = 0;
    int reads = 0;
    for (MethodNode method : type.methods) {
      if (method.name.equals(initializer)) {
        initializers += dropMapper(method, type.name, field) ? 1 : 0;
      } else {
        reads += redirectReads(method, type.name, field, mapper);
      }
    }
    if (initializers != 1 || reads == 0) {
      throw new IllegalArgumentException(
          type.name
              + ": "
              + initializers
              + " initializers made a mapper and "
              + reads
              + " reads of it elsewhere, expected 1 and some");
    }
    ClassWriter writer = new ClassWriter(0);
    type.accept(writer);
    return writer.toByteArray();
  }

  /**
   * Removes the initializer's tail from making the mapper to its return, provided that the tail
   * only makes the mapper, stores it in {@code field} and configures it, and that the initializer
   * catches nothing.
   */
  private static boolean dropMapper(MethodNode initializer, String owner, String field) {
    if (!initializer.tryCatchBlocks.isEmpty()) {
      return false;
    }
    InsnList code = initializer.instructions;
    AbstractInsnNode created = null;
    for (AbstractInsnNode instruction : code) {
      if (instruction.getOpcode() == Opcodes.NEW
          && ((TypeInsnNode) instruction).desc.equals(MAPPER)) {
        created = instruction;
      }
    }
    if (created == null) {
      return false;
    }
    AbstractInsnNode start =
        created.getPrevious().getOpcode() == Opcodes.ALOAD ? created.getPrevious() : created;
    List<AbstractInsnNode> tail = new ArrayList<>();
    AbstractInsnNode at = start;
    for (; at != null && at.getOpcode() != Opcodes.RETURN; at = at.getNext()) {
      if (at.getOpcode() >= 0) {
        tail.add(at);
      }
      if (at instanceof FieldInsnNode && !isMapperOrFeature((FieldInsnNode) at, owner, field)) {
        return false;
      }
      if (at instanceof MethodInsnNode && !((MethodInsnNode) at).owner.equals(MAPPER)) {
        return false;
      }
    }
    if (at == null) {
      return false;
    }
    for (AbstractInsnNode instruction : tail) {
      code.remove(instruction);
    }
    return true;
  }

  private static boolean isMapperOrFeature(FieldInsnNode instruction, String owner, String field) {
    return (instruction.owner.equals(owner) && instruction.name.equals(field))
        || (instruction.getOpcode() == Opcodes.GETSTATIC && instruction.owner.startsWith(JACKSON));
  }

  /** Replaces the reads of {@code field} with calls of {@code SdkJackson}; the count replaced. */
  private static int redirectReads(MethodNode method, String owner, String field, String mapper) {
    int reads = 0;
    for (AbstractInsnNode instruction : method.instructions.toArray()) {
      int opcode = instruction.getOpcode();
      if ((opcode == Opcodes.GETFIELD || opcode == Opcodes.GETSTATIC)
          && ((FieldInsnNode) instruction).owner.equals(owner)
          && ((FieldInsnNode) instruction).name.equals(field)) {
        InsnList call = new InsnList();
        if (opcode == Opcodes.GETFIELD) {
          call.add(new InsnNode(Opcodes.POP));
        }
        call.add(
            new MethodInsnNode(
                Opcodes.INVOKESTATIC, SDK_JACKSON, mapper, "()L" + MAPPER + ";", false));
        method.instructions.insert(instruction, call);
        method.instructions.remove(instruction);
        reads++;
      }
    }
    return reads;
  }
}
