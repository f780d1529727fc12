package org.polarisagent.plugin.grpc.advice;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import org.polarisagent.bootstrap.ClientHooks;

/**
 * Inlined into static channel builder factories that take a host and a port ({@code forAddress},
 * {@code newChannelBuilderForAddress}): when configuration maps that address to a Polaris service,
 * the application gets the builder of the matching target factory instead. The original factory
 * still runs, so that any failure of the mapping leaves the application's own builder in place.
 */
public final class ChannelAddressAdvice {

  private ChannelAddressAdvice() {}

  @Advice.OnMethodExit(suppress = Throwable.class)
  static void exit(
      @Advice.Origin Class<?> grpcType,
      @Advice.Origin("#m") String factory,
      @Advice.AllArguments Object[] arguments,
      @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object builder) {
    Object mapped = ClientHooks.redirectAddress(grpcType, factory, arguments);
    if (mapped != null) {
      builder = mapped;
    }
  }
}
