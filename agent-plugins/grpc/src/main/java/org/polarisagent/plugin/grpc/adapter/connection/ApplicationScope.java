package org.polarisagent.plugin.grpc.adapter.connection;

import io.grpc.Context;
import java.security.AccessController;
import java.security.PrivilegedAction;
import java.util.function.Supplier;

/**
 * Runs the SDK's calls into the application's gRPC as an application thread of their own would:
 * privileged, with the system class loader as context class loader (threads that gRPC and netty
 * start inherit both: the calling thread's stack or context loader, maybe a web app's, must not
 * pass to threads that never end, and the agent's loader cannot see the application's classes), and
 * in gRPC's root context (the SDK's calls are no part of an application call, whose end or deadline
 * must not cancel them). Stateless.
 */
final class ApplicationScope {

  private ApplicationScope() {}

  static void run(Runnable action) {
    call(
        () -> {
          action.run();
          return null;
        });
  }

  @SuppressWarnings(
      "removal") // AccessController: still what a new thread inherits its context from.
  static <T> T call(final Supplier<T> action) {
    return AccessController.doPrivileged(
        new PrivilegedAction<T>() {
          @Override
          public T run() {
            Thread thread = Thread.currentThread();
            ClassLoader loader = thread.getContextClassLoader();
            try {
              thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
              Context previous = Context.ROOT.attach();
              try {
                return action.get();
              } finally {
                Context.ROOT.detach(previous);
              }
            } finally {
              thread.setContextClassLoader(loader);
            }
          }
        });
  }
}
