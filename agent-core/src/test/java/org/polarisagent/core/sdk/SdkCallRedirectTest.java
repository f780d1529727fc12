package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.concurrent.SerialScheduler;

/** The SDK classes whose JDK calls go to the agent's methods, rewritten as the dist build does. */
class SdkCallRedirectTest {

  private static final String LOG_HOME = "polaris.log.home";

  @Test
  void theSdksNettyReadsTheAgentsValues() throws Exception {
    Class<?> util = ClassFiles.rewritten(SdkCallRedirect.CLASSES[0], SdkCallRedirect::rewrite);
    Object threads =
        util.getMethod("getInt", String.class, int.class)
            .invoke(null, "shade.polaris.io.netty.eventLoopThreads", 16);
    assertEquals(1, threads);
    System.setProperty("shade.polaris.io.netty.eventLoopThreads", "5");
    try {
      assertEquals(
          5,
          util.getMethod("getInt", String.class, int.class)
              .invoke(null, "shade.polaris.io.netty.eventLoopThreads", 16));
    } finally {
      System.clearProperty("shade.polaris.io.netty.eventLoopThreads");
    }
  }

  @Test
  void theSdksGrpcLeavesTheSizeOfItsEventLoopGroupToTheSdksNetty() throws Exception {
    Class<?> resource = ClassFiles.rewritten(SdkCallRedirect.CLASSES[3], SdkCallRedirect::rewrite);
    Class<?> groupType =
        resource.getClassLoader().loadClass("shade.polaris.io.grpc.netty.Utils$EventLoopGroupType");
    Constructor<?> constructor =
        resource.getDeclaredConstructor(int.class, String.class, groupType);
    constructor.setAccessible(true);
    Object made = constructor.newInstance(0, "test", groupType.getEnumConstants()[0]);
    Field loops = resource.getDeclaredField("numEventLoops");
    loops.setAccessible(true);
    // 0: netty's default, which the SDK's netty reads as 1 (without the rewrite: one a core).
    assertEquals(0, loops.get(made));
  }

  @Test
  void theSdksLoggingSetsItsLogHomeForItselfOnly() throws Exception {
    // Other tests of this JVM start the SDK as polaris-all ships it, which sets the property.
    String before = System.clearProperty(LOG_HOME);
    try {
      Class<?> logging = ClassFiles.rewritten(SdkCallRedirect.CLASSES[5], SdkCallRedirect::rewrite);
      Class.forName(logging.getName(), true, logging.getClassLoader());
      assertNull(System.getProperty(LOG_HOME));
      assertEquals(
          System.getProperty("user.dir") + File.separator + "polaris" + File.separator + "logs",
          SdkProperties.get(LOG_HOME));
    } finally {
      if (before != null) {
        System.setProperty(LOG_HOME, before);
      }
    }
  }

  @Test
  void theSdksGrpcExecutorRunsOnTheAgentsSharedThreads() throws Exception {
    Class<?> resource = ClassFiles.rewritten(SdkCallRedirect.CLASSES[6], SdkCallRedirect::rewrite);
    Constructor<?> constructor = resource.getDeclaredConstructor();
    constructor.setAccessible(true);
    Method create = resource.getMethod("create");
    create.setAccessible(true);
    ExecutorService executor = (ExecutorService) create.invoke(constructor.newInstance());
    assertTrue(
        executor
            .submit(() -> Thread.currentThread().getName())
            .get(10, TimeUnit.SECONDS)
            .startsWith("polaris-agent-worker-"));
    executor.shutdown();
    assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    assertThrows(RejectedExecutionException.class, () -> executor.execute(() -> {}));
    assertEquals(
        "still running",
        DaemonScheduler.sharedPool().submit(() -> "still running").get(10, TimeUnit.SECONDS),
        "shutting the SDK's executor down stopped the shared pool");
  }

  @Test
  void theSdksSchedulersShareTheAgentsThreads() throws Exception {
    Class<?> breaker =
        ClassFiles.rewritten(
            "com.tencent.polaris.plugins.circuitbreaker.composite.PolarisCircuitBreaker",
            SdkCallRedirect::rewrite);
    Object made = breaker.getConstructor().newInstance();
    List<String> kinds = new ArrayList<>();
    for (Field field : breaker.getDeclaredFields()) {
      if (ScheduledExecutorService.class.isAssignableFrom(field.getType())) {
        field.setAccessible(true);
        ScheduledExecutorService scheduler = (ScheduledExecutorService) field.get(made);
        assertTrue(scheduler instanceof SerialScheduler, field.getName());
        String[] names = new String[1];
        Thread thread =
            scheduler
                .submit(
                    () -> {
                      names[0] = Thread.currentThread().getName();
                      return Thread.currentThread();
                    })
                .get(10, TimeUnit.SECONDS);
        assertTrue(names[0].startsWith("polaris-circuitbreaker-"), names[0]);
        kinds.add(sharedThread(thread) ? "shared" : "own");
        scheduler.shutdown();
      }
    }
    Collections.sort(kinds);
    // The state changes' and the clean-up's single threads are shared; the health checks' four
    // threads stay its own.
    assertEquals(Arrays.asList("own", "shared", "shared"), kinds);

    Class<?> dispatch =
        ClassFiles.rewritten(
            "com.tencent.polaris.discovery.client.flow.WatchFlow$DispatchExecutor",
            SdkCallRedirect::rewrite);
    Constructor<?> constructor = dispatch.getDeclaredConstructor(int.class);
    constructor.setAccessible(true);
    Field executors = dispatch.getDeclaredField("executors");
    executors.setAccessible(true);
    for (Object executor : (Object[]) executors.get(constructor.newInstance(2))) {
      assertTrue(executor instanceof SerialScheduler);
      ((ExecutorService) executor).shutdown();
    }
  }

  /** Whether a thread is one of the shared pool's, named as such once the task it ran is over. */
  private static boolean sharedThread(Thread thread) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (thread.getName().startsWith("polaris-agent-worker-")) {
        return true;
      }
      if (thread.getName().startsWith("polaris-circuitbreaker-health-check-worker")) {
        return false;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("a thread named neither way: " + thread.getName());
  }

  @Test
  void aSchedulerMadeWithAConstructorTheAgentsLacksIsRefused() {
    ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
    writer.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC, "Made", null, "java/lang/Object", null);
    MethodVisitor make =
        writer.visitMethod(Opcodes.ACC_STATIC, "make", "()Ljava/lang/Object;", null, null);
    make.visitCode();
    make.visitTypeInsn(Opcodes.NEW, "java/util/concurrent/ScheduledThreadPoolExecutor");
    make.visitInsn(Opcodes.DUP);
    make.visitInsn(Opcodes.ICONST_1);
    make.visitMethodInsn(
        Opcodes.INVOKESPECIAL,
        "java/util/concurrent/ScheduledThreadPoolExecutor",
        "<init>",
        "(I)V",
        false);
    make.visitInsn(Opcodes.ARETURN);
    make.visitMaxs(0, 0);
    make.visitEnd();
    writer.visitEnd();
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class, () -> SdkCallRedirect.rewrite(writer.toByteArray()));
    assertTrue(refused.getMessage().contains("(I)V"), refused.getMessage());
  }

  @Test
  void aClassThatTouchesNoPropertyIsRefused() {
    byte[] none = ClassFiles.bytes("shade.polaris.io.netty.util.ReferenceCounted");
    assertThrows(IllegalArgumentException.class, () -> SdkCallRedirect.rewrite(none));
  }
}
