package org.polarisagent.it.springboot;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polarisagent.it.harness.ForkedApp;
import org.polarisagent.it.harness.PolarisServerExtension;

/**
 * The Spring Boot sample apps of {@code integration-tests/spring-boot-apps}, run as a user runs
 * them: {@code java -javaagent:polaris-agent.jar -D... -jar app.jar --spring.property=value}, with
 * the agent pointed at a test's Polaris server. Stateless.
 */
final class BootApps {

  /** How long a forked Boot app may take to print its first line of interest. */
  static final Duration START = Duration.ofSeconds(90);

  private static final Pattern READY = Pattern.compile("READY port=(\\d+)");

  private BootApps() {}

  /** The echo provider fat jar named {@code name}, registering as {@code service}. */
  static ForkedApp.Builder provider(PolarisServerExtension polaris, String service, String name) {
    return app(polaris, "boot.provider.jar", name)
        .property("polaris.service", service)
        .args("--echo.name=" + name);
  }

  /** Starts a provider and waits until its gRPC server listens; returns the port it printed. */
  static int awaitReady(ForkedApp provider) {
    return Integer.parseInt(provider.awaitLine(READY, START, 0).group(1));
  }

  /**
   * The echo consumer fat jar named {@code name}, whose channel {@code echo} has the Spring
   * property {@code grpc.client.echo.address=address}.
   */
  static ForkedApp.Builder consumer(PolarisServerExtension polaris, String name, String address) {
    return app(polaris, "boot.consumer.jar", name).args("--grpc.client.echo.address=" + address);
  }

  /** The consumer's RESULT line: groups ok, failed, sent, unfinished. */
  static Matcher awaitResult(ForkedApp consumer, Duration timeout) {
    return consumer.awaitLine(
        Pattern.compile("RESULT ok=(\\d+) failed=(\\d+) sent=(\\d+) unfinished=(\\d+)"),
        timeout,
        0);
  }

  private static ForkedApp.Builder app(
      PolarisServerExtension polaris, String jarProperty, String name) {
    String jar = System.getProperty(jarProperty);
    if (jar == null) {
      throw new IllegalStateException("system property " + jarProperty + " is not set (surefire)");
    }
    Path path = Paths.get(jar);
    return ForkedApp.jar(path)
        .name(name)
        .withAgent()
        .property("polaris.address", polaris.grpcAddress());
  }
}
