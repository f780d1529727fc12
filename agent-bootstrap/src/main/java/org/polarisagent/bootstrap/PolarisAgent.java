package org.polarisagent.bootstrap;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.security.CodeSource;

/**
 * Entry point named by the jar manifest ({@code Premain-Class} and {@code Agent-Class}).
 *
 * <p>The JVM puts the agent jar on the system class path, so the classes of this package (the
 * bridge types that instrumented gRPC code calls) are visible to the application like any library
 * on the class path; nothing is added to the bootstrap class path, which would disable class data
 * sharing for the application and make the JVM print a warning on stdout. Everything else runs in
 * an {@link AgentClassLoader} over the hidden part of the jar. Starts once per JVM; failures leave
 * the application running without the agent.
 */
public final class PolarisAgent {

  private static final String CORE_ENTRY = "org.polarisagent.core.AgentInstaller";
  private static boolean started;

  private PolarisAgent() {}

  public static void premain(String agentArgs, Instrumentation instrumentation) {
    start(agentArgs, instrumentation);
  }

  public static void agentmain(String agentArgs, Instrumentation instrumentation) {
    start(agentArgs, instrumentation);
  }

  private static synchronized void start(String agentArgs, Instrumentation instrumentation) {
    if (started) {
      return;
    }
    started = true;
    long startNanos = System.nanoTime();
    try {
      AgentClassLoader loader = new AgentClassLoader(agentJar());
      loader
          .loadClass(CORE_ENTRY)
          .getMethod("install", String.class, Instrumentation.class, ClassLoader.class, long.class)
          .invoke(null, agentArgs, instrumentation, loader, startNanos);
    } catch (Throwable t) {
      System.err.println(
          "[polaris-agent] ERROR agent not started, the application runs without it: " + t);
    }
  }

  private static File agentJar() throws Exception {
    CodeSource codeSource = PolarisAgent.class.getProtectionDomain().getCodeSource();
    if (codeSource == null || codeSource.getLocation() == null) {
      throw new IllegalStateException("cannot locate the agent jar");
    }
    return new File(codeSource.getLocation().toURI());
  }
}
