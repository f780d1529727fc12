package org.polarisagent.plugin.grpc.advice;

import net.bytebuddy.asm.Advice;
import org.polarisagent.bootstrap.ClientHooks;

/**
 * Inlined into static channel builder factories that take a target string ({@code forTarget},
 * {@code newChannelBuilder}): lets the agent map the target before the builder sees it, and prepare
 * the builder of a Polaris target once it exists.
 */
public final class ChannelTargetAdvice {

  private ChannelTargetAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static void enter(
      @Advice.Origin Class<?> grpcType,
      @Advice.Argument(value = 0, readOnly = false) String target) {
    target = ClientHooks.onTarget(grpcType, target);
  }

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(@Advice.Argument(0) String target, @Advice.Return Object builder) {
    ClientHooks.onBuilder(target, builder);
  }
}
