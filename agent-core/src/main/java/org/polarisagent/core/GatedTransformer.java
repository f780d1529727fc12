package org.polarisagent.core;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.logging.AgentLog;

/**
 * The only transformer the agent registers, installed in premain before anything heavy is loaded.
 *
 * <p>Classes other than the few the plugins name pass at the cost of one hash lookup. A named class
 * that loads before the real transformer, built in the background, is ready waits for it (a bounded
 * time) and is then handed to it; so premain returns at once and the application pays for Byte
 * Buddy only if it reaches one of those classes before the background work is done. Thread-safe.
 */
final class GatedTransformer implements ClassFileTransformer {

  static final long MAX_WAIT_MILLIS = 10_000;

  private final Set<String> internalNames;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile ClassFileTransformer delegate;

  /** Set once the wait for the real transformer has timed out: said once. */
  private volatile boolean timedOut;

  /**
   * @param typeNames binary names of the classes to instrument
   */
  GatedTransformer(Set<String> typeNames) {
    Set<String> names = new HashSet<>();
    for (String name : typeNames) {
      names.add(name.replace('.', '/'));
    }
    this.internalNames = names;
  }

  /**
   * Hands classes to the real transformer from now on; a null transformer leaves every class
   * unchanged.
   */
  void open(ClassFileTransformer transformer) {
    delegate = transformer;
    ready.countDown();
  }

  @Override
  public byte[] transform(
      ClassLoader loader,
      String className,
      Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain,
      byte[] classfileBuffer)
      throws IllegalClassFormatException {
    if (className == null || !internalNames.contains(className)) {
      return null;
    }
    ClassFileTransformer current = delegate;
    if (current == null) {
      current = await();
      if (current == null) {
        return null;
      }
    }
    return current.transform(
        loader, className, classBeingRedefined, protectionDomain, classfileBuffer);
  }

  private ClassFileTransformer await() {
    try {
      if (!ready.await(MAX_WAIT_MILLIS, TimeUnit.MILLISECONDS) && !timedOut) {
        timedOut = true;
        AgentLog.warn(
            "instrumentation not ready after "
                + MAX_WAIT_MILLIS
                + " ms; gRPC classes loaded until"
                + " then are instrumented when it is");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return delegate;
  }
}
