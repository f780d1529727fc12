package org.polarisagent.plugin.grpc.weave;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.polarisagent.bootstrap.ClientHooks;
import org.polarisagent.core.weave.MethodHook;

/**
 * For the channel builder implementation's {@code defaultServiceConfig(Map)} and {@code
 * defaultLoadBalancingPolicy(String)}: on a Polaris channel the application's service config stays,
 * only its load-balancing part becomes the agent's. The setter becomes, in Java terms:
 *
 * <pre>
 * value = ClientHooks.onServiceConfig(this, value);  // or onLoadBalancingPolicy
 * ... original body
 * </pre>
 */
public final class ChannelDefaultsHook extends MethodHook {

  private final String setter;
  private final String valueDescriptor;
  private final String bridgeMethod;

  private ChannelDefaultsHook(String setter, String valueDescriptor, String bridgeMethod) {
    this.setter = setter;
    this.valueDescriptor = valueDescriptor;
    this.bridgeMethod = bridgeMethod;
  }

  /** For {@code defaultServiceConfig(Map)}. */
  public static ChannelDefaultsHook serviceConfig() {
    return new ChannelDefaultsHook("defaultServiceConfig", "Ljava/util/Map;", "onServiceConfig");
  }

  /** For {@code defaultLoadBalancingPolicy(String)}. */
  public static ChannelDefaultsHook loadBalancingPolicy() {
    return new ChannelDefaultsHook(
        "defaultLoadBalancingPolicy", "Ljava/lang/String;", "onLoadBalancingPolicy");
  }

  @Override
  public boolean appliesTo(MethodNode method) {
    return !isStatic(method)
        && isImplemented(method)
        && setter.equals(method.name)
        && method.desc.startsWith("(" + valueDescriptor + ")");
  }

  @Override
  public void apply(String owner, MethodNode method) {
    InsnList atEntry = new InsnList();
    atEntry.add(new VarInsnNode(Opcodes.ALOAD, 0));
    atEntry.add(new VarInsnNode(Opcodes.ALOAD, 1));
    atEntry.add(
        callStatic(
            ClientHooks.class,
            bridgeMethod,
            "(Ljava/lang/Object;" + valueDescriptor + ")" + valueDescriptor));
    atEntry.add(new VarInsnNode(Opcodes.ASTORE, 1));
    method.instructions.insert(atEntry);
    method.maxStack = Math.max(method.maxStack, 2);
  }
}
