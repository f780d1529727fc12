package org.polarisagent.plugin.grpc.advice;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import org.polarisagent.bootstrap.ServerHooks;

/**
 * Inlined into {@code build()} of every concrete {@code io.grpc.ServerBuilder}: prepares the
 * builder and observes the server it returns, once per outermost call.
 */
public final class ServerBuildAdvice {

  private ServerBuildAdvice() {}

  @Advice.OnMethodEnter(suppress = Throwable.class)
  static boolean enter(@Advice.This Object builder) {
    return ServerHooks.enterBuild(builder);
  }

  @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
  static void exit(
      @Advice.This Object builder,
      @Advice.Enter boolean outermost,
      @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object server) {
    server = ServerHooks.exitBuild(builder, server, outermost);
  }
}
