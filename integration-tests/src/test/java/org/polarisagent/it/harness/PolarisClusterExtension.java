package org.polarisagent.it.harness;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.polarisagent.testing.PolarisCluster;
import org.polarisagent.testing.PolarisOpenApi;

/**
 * One real Polaris cluster per test class (a private MariaDB and two nodes, see {@link
 * PolarisCluster}), started before the first test and stopped after the last one, also when tests
 * fail. Its run directory is {@code target/polaris-runs/<TestClass>-<time>/}.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PolarisClusterExtension CLUSTER = new PolarisClusterExtension();
 * </pre>
 *
 * <p>Thread-safe.
 */
public final class PolarisClusterExtension
    implements BeforeAllCallback, AfterAllCallback, PolarisFixture {

  private PolarisCluster cluster;

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    if (cluster != null) {
      return;
    }
    PolarisCluster starting =
        new PolarisCluster(
            PolarisCluster.defaultScript(), PolarisServerExtension.runDirFor(context));
    starting.start();
    cluster = starting;
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.stop();
    }
  }

  /** The cluster; started by the extension. */
  public synchronized PolarisCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException(
          "the Polaris cluster extension has not run yet: register it with @RegisterExtension");
    }
    return cluster;
  }

  /** A fork with the agent, configured with both nodes' addresses. */
  @Override
  public ForkedApp.Builder agentApp(Class<?> mainClass, String name) {
    return ForkedApp.main(mainClass)
        .name(name)
        .withAgent()
        .property("polaris.address", cluster().grpcAddresses());
  }

  @Override
  public PolarisOpenApi openApi() {
    return cluster().openApi();
  }
}
