package org.polarisagent.it.harness;

import org.polarisagent.testing.PolarisOpenApi;

/** What a test needs of the Polaris it runs against, one server or a cluster. */
public interface PolarisFixture {

  /**
   * Starts describing a fork of the class's {@code main} named {@code name}, with the agent, whose
   * server address setting names this Polaris.
   */
  ForkedApp.Builder agentApp(Class<?> mainClass, String name);

  /** An OpenAPI client, authenticated as admin. */
  PolarisOpenApi openApi();
}
