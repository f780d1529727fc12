package org.polarisagent.core.sdk;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.polarisagent.core.concurrent.SerialScheduler;

/**
 * Points a few SDK classes' calls of static methods at the agent's methods of the same signature,
 * and their making of JDK schedulers at the agent's:
 *
 * <ul>
 *   <li>reads and writes of JVM properties ({@code System.getProperty}, {@code System.setProperty})
 *       go to {@link SdkProperties}: the SDK's netty reads every property through {@code
 *       SystemPropertyUtil}; its gRPC reads netty's allocator and event loop properties in {@code
 *       Utils} (where it also makes its event loop group one thread a core unless the property is
 *       set) and whether to record where channels are made in {@code ManagedChannelOrphanWrapper};
 *       its logging bootstrap writes {@code polaris.log.home} in {@code AbstractPolarisLogging};
 *   <li>the SDK's thread pools come from {@link SdkThreadPools}: the cached pool of its gRPC
 *       ({@code grpc-default-executor}, made in {@code GrpcUtil}) and the single-thread schedulers
 *       and pools of its connector, circuit breaker, flow cache, watch dispatch and rate limiting
 *       ({@code new ScheduledThreadPoolExecutor} becomes {@code new SerialScheduler});
 *   <li>the SDK's channels (its connector's and its rate limiter's to the Polaris server, its
 *       location and certificate plugins') come from {@link SdkChannels}.
 * </ul>
 *
 * Build time, run by {@link SdkRewrites}. Stateless.
 */
final class SdkCallRedirect {

  /** The classes rewritten. */
  static final String[] CLASSES = {
    "shade.polaris.io.netty.util.internal.SystemPropertyUtil",
    "shade.polaris.io.netty.util.internal.SystemPropertyUtil$1",
    "shade.polaris.io.grpc.netty.Utils",
    "shade.polaris.io.grpc.netty.Utils$DefaultEventLoopGroupResource",
    "shade.polaris.io.grpc.internal.ManagedChannelOrphanWrapper$ManagedChannelReference",
    "com.tencent.polaris.logging.AbstractPolarisLogging",
    "shade.polaris.io.grpc.internal.GrpcUtil$3",
    "com.tencent.polaris.plugins.connector.grpc.ConnectionManager",
    "com.tencent.polaris.plugins.connector.grpc.ConnectionManager$ServerAddressList",
    "com.tencent.polaris.ratelimit.client.flow.StreamResource",
    "com.tencent.polaris.plugin.location.remoteservice.RemoteServiceLocationProvider",
    "com.tencent.polaris.plugins.certificate.tsf.TsfCertClient",
    "com.tencent.polaris.plugins.connector.grpc.SpecStreamClient",
    "com.tencent.polaris.plugins.connector.grpc.GrpcConnector",
    "com.tencent.polaris.plugins.circuitbreaker.composite.PolarisCircuitBreaker",
    "com.tencent.polaris.plugins.flow.cache.expired.ExpiredFlowCache",
    "com.tencent.polaris.discovery.client.flow.WatchFlow$DispatchExecutor",
    "com.tencent.polaris.ratelimit.client.flow.RateLimitExtension",
  };

  private static final String SCHEDULER = "java/util/concurrent/ScheduledThreadPoolExecutor";

  /** The constructors of the JDK's scheduler that {@link SerialScheduler} has too. */
  private static final String[] SCHEDULER_CONSTRUCTORS = {
    "(ILjava/util/concurrent/ThreadFactory;)V",
    "(ILjava/util/concurrent/ThreadFactory;Ljava/util/concurrent/RejectedExecutionHandler;)V",
  };

  /** JDK method ({@code owner.name descriptor}) to the agent's class and method. */
  private static final Map<String, String[]> REDIRECTS = new HashMap<>();

  static {
    String properties = Type.getInternalName(SdkProperties.class);
    REDIRECTS.put(
        "java/lang/System.getProperty(Ljava/lang/String;)Ljava/lang/String;",
        new String[] {properties, "get"});
    REDIRECTS.put(
        "java/lang/System.getProperty(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;",
        new String[] {properties, "get"});
    REDIRECTS.put(
        "java/lang/System.setProperty(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;",
        new String[] {properties, "set"});
    REDIRECTS.put(
        "java/util/concurrent/Executors.newCachedThreadPool"
            + "(Ljava/util/concurrent/ThreadFactory;)Ljava/util/concurrent/ExecutorService;",
        new String[] {Type.getInternalName(SdkThreadPools.class), "cached"});
    REDIRECTS.put(
        "java/util/concurrent/Executors.newSingleThreadScheduledExecutor"
            + "(Ljava/util/concurrent/ThreadFactory;)Ljava/util/concurrent/ScheduledExecutorService;",
        new String[] {Type.getInternalName(SdkThreadPools.class), "singleThreadScheduler"});
    REDIRECTS.put(
        "java/util/concurrent/Executors.newFixedThreadPool"
            + "(ILjava/util/concurrent/ThreadFactory;)Ljava/util/concurrent/ExecutorService;",
        new String[] {Type.getInternalName(SdkThreadPools.class), "fixed"});
    String channels = Type.getInternalName(SdkChannels.class);
    REDIRECTS.put(
        "shade/polaris/io/grpc/ManagedChannelBuilder.forAddress"
            + "(Ljava/lang/String;I)Lshade/polaris/io/grpc/ManagedChannelBuilder;",
        new String[] {channels, "forAddress"});
    REDIRECTS.put(
        "shade/polaris/io/grpc/ManagedChannelBuilder.forTarget"
            + "(Ljava/lang/String;)Lshade/polaris/io/grpc/ManagedChannelBuilder;",
        new String[] {channels, "forTarget"});
    REDIRECTS.put(
        "com/tencent/polaris/plugins/connector/grpc/ManagedChannelUtil.setChannelTls"
            + "(Lshade/polaris/io/grpc/ManagedChannelBuilder;"
            + "Lcom/tencent/polaris/plugins/connector/grpc/ChannelTlsCertificates;)V",
        new String[] {channels, "setChannelTls"});
  }

  private SdkCallRedirect() {}

  /**
   * The class with its calls redirected.
   *
   * @throws IllegalArgumentException if it makes none of those calls, or reads or writes JVM
   *     properties otherwise ({@code System.getProperties}, {@code Boolean.getBoolean}...), which
   *     {@link SdkProperties} does not take, or makes a scheduler with a constructor {@link
   *     SerialScheduler} does not have
   */
  static byte[] rewrite(byte[] classFile) {
    ClassReader reader = new ClassReader(classFile);
    ClassWriter writer = new ClassWriter(reader, 0);
    int[] redirected = {0};
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String desc, String signature, String[] exceptions) {
            return new MethodVisitor(
                Opcodes.ASM9, super.visitMethod(access, name, desc, signature, exceptions)) {
              /** Schedulers made here whose constructor call is still to come. */
              private int schedulersMade;

              @Override
              public void visitTypeInsn(int opcode, String type) {
                if (opcode == Opcodes.NEW && SCHEDULER.equals(type)) {
                  schedulersMade++;
                  super.visitTypeInsn(opcode, Type.getInternalName(SerialScheduler.class));
                  return;
                }
                super.visitTypeInsn(opcode, type);
              }

              @Override
              public void visitMethodInsn(
                  int opcode, String owner, String method, String descriptor, boolean itf) {
                if (opcode == Opcodes.INVOKESPECIAL
                    && SCHEDULER.equals(owner)
                    && "<init>".equals(method)
                    && schedulersMade > 0) {
                  if (!Arrays.asList(SCHEDULER_CONSTRUCTORS).contains(descriptor)) {
                    throw new IllegalArgumentException(
                        "makes a scheduler with "
                            + descriptor
                            + ", which SerialScheduler does not");
                  }
                  schedulersMade--;
                  redirected[0]++;
                  super.visitMethodInsn(
                      opcode,
                      Type.getInternalName(SerialScheduler.class),
                      method,
                      descriptor,
                      false);
                  return;
                }
                if (opcode == Opcodes.INVOKESTATIC) {
                  refuseUntaken(owner, method, descriptor);
                  String[] target = REDIRECTS.get(owner + "." + method + descriptor);
                  if (target != null) {
                    redirected[0]++;
                    super.visitMethodInsn(opcode, target[0], target[1], descriptor, false);
                    return;
                  }
                }
                super.visitMethodInsn(opcode, owner, method, descriptor, itf);
              }
            };
          }
        },
        0);
    if (redirected[0] == 0) {
      throw new IllegalArgumentException("makes none of the calls the agent redirects");
    }
    return writer.toByteArray();
  }

  /** Refuses the other JDK methods that read or write JVM properties, which would bypass it. */
  private static void refuseUntaken(String owner, String method, String descriptor) {
    boolean system =
        "java/lang/System".equals(owner)
            && ("getProperties".equals(method)
                || "setProperties".equals(method)
                || "clearProperty".equals(method));
    boolean boxed =
        ("java/lang/Boolean".equals(owner) && "getBoolean".equals(method))
            || ("java/lang/Integer".equals(owner) && "getInteger".equals(method))
            || ("java/lang/Long".equals(owner) && "getLong".equals(method));
    if (system || boxed) {
      throw new IllegalArgumentException(
          "calls " + owner + "." + method + descriptor + ", which SdkProperties does not take");
    }
  }
}
