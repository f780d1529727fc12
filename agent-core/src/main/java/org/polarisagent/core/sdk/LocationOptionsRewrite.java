package org.polarisagent.core.sdk;

import java.util.Arrays;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Points the Gson that the SDK's location providers make in {@value #METHOD} of {@value
 * #BASE_PROVIDER} at {@link LocationOptions}, which has the same constructor and the two methods
 * they call. Build time, run by {@link SdkRewrites}. Stateless.
 */
final class LocationOptionsRewrite {

  /** The base class of the SDK's location providers. */
  static final String BASE_PROVIDER =
      "com.tencent.polaris.plugin.location.base.BaseLocationProvider";

  /** Its method that converts the options with a Gson. */
  static final String METHOD = "getLocation";

  private static final String GSON = "shade/polaris/com/google/gson/Gson";
  private static final String REPLACEMENT = Type.getInternalName(LocationOptions.class);

  private LocationOptionsRewrite() {}

  /**
   * The class with its Gson replaced.
   *
   * @throws IllegalArgumentException if {@value #METHOD} does not make a Gson and call exactly its
   *     constructor, {@code toJson(Object)} and {@code fromJson(String, Class)}, or the class uses
   *     Gson anywhere else
   */
  static byte[] rewrite(byte[] classFile) {
    ClassNode type = new ClassNode();
    new ClassReader(classFile).accept(type, 0);
    for (FieldNode field : type.fields) {
      if (field.desc.contains(GSON)) {
        throw new IllegalArgumentException("has a Gson field " + field.name);
      }
    }
    int replaced = 0;
    for (MethodNode method : type.methods) {
      for (AbstractInsnNode instruction : method.instructions) {
        if (instruction instanceof TypeInsnNode && GSON.equals(((TypeInsnNode) instruction).desc)) {
          requireIn(method);
          ((TypeInsnNode) instruction).desc = REPLACEMENT;
          replaced++;
        } else if (instruction instanceof MethodInsnNode
            && GSON.equals(((MethodInsnNode) instruction).owner)) {
          requireIn(method);
          MethodInsnNode call = (MethodInsnNode) instruction;
          if (!isReplaced(call.name, call.desc)) {
            throw new IllegalArgumentException("calls Gson." + call.name + call.desc);
          }
          call.owner = REPLACEMENT;
          replaced++;
        } else if (instruction instanceof FrameNode && mentionsGson((FrameNode) instruction)) {
          throw new IllegalArgumentException("keeps a Gson across a branch in " + method.name);
        }
      }
      if (method.localVariables != null) {
        for (LocalVariableNode local : method.localVariables) {
          local.desc = local.desc.replace(GSON + ";", REPLACEMENT + ";");
        }
      }
    }
    if (replaced != 4) {
      throw new IllegalArgumentException(
          "expected a new Gson, its constructor, toJson and fromJson in " + METHOD);
    }
    ClassWriter writer = new ClassWriter(0);
    type.accept(writer);
    return writer.toByteArray();
  }

  private static boolean mentionsGson(FrameNode frame) {
    for (List<Object> types : Arrays.asList(frame.local, frame.stack)) {
      if (types != null && types.contains(GSON)) {
        return true;
      }
    }
    return false;
  }

  private static void requireIn(MethodNode method) {
    if (!METHOD.equals(method.name)) {
      throw new IllegalArgumentException("uses Gson in " + method.name + method.desc);
    }
  }

  private static boolean isReplaced(String name, String descriptor) {
    return ("<init>".equals(name) && "()V".equals(descriptor))
        || ("toJson".equals(name) && "(Ljava/lang/Object;)Ljava/lang/String;".equals(descriptor))
        || ("fromJson".equals(name)
            && "(Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/Object;".equals(descriptor));
  }
}
