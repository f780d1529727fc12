package org.polarisagent.core.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.example.held.AgentHeld;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.example.AppOnly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.polarisagent.bootstrap.AgentClassLoader;

/** Where an adapter loader takes each class from: itself, the agent, the JDK or the application. */
class AdapterClassLoaderTest {

  @TempDir Path dir;

  @Test
  void adaptersSeeTheirOwnClassesThenTheAgentsThenTheApplications() throws Exception {
    AgentClassLoader agent = new AgentClassLoader(agentJar().toFile());
    ClassLoader application = AdapterClassLoaderTest.class.getClassLoader();
    AdapterClassLoader adapters =
        new AdapterClassLoader(agent, application, "com.example.adapter.");

    assertEquals(adapters, adapters.loadClass("com.example.adapter.Adapter").getClassLoader());
    assertEquals(
        agent,
        adapters.loadClass(AgentHeld.class.getName()).getClassLoader(),
        "the agent's copy, though the application has one too");
    assertEquals(Test.class, adapters.loadClass(Test.class.getName()));
    assertEquals(String.class, adapters.loadClass("java.lang.String"));
    assertEquals(
        AppOnly.class,
        adapters.loadClass(AppOnly.class.getName()),
        "an application class in a namespace of the JDK's that the JDK does not have");
    assertThrows(ClassNotFoundException.class, () -> adapters.loadClass("com.example.Absent"));
  }

  /** An agent jar laid out as the build lays it out, with two classes and no SDK archive. */
  private Path agentJar() throws IOException {
    Path jar = dir.resolve("polaris-agent.jar");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar))) {
      for (String name :
          new String[] {"com/example/adapter/Adapter", "com/example/held/AgentHeld"}) {
        out.putNextEntry(new ZipEntry("inst/" + name + ".classdata"));
        try (InputStream in =
            AdapterClassLoaderTest.class.getResourceAsStream("/" + name + ".class")) {
          byte[] buffer = new byte[4096];
          int n;
          while ((n = in.read(buffer)) != -1) {
            out.write(buffer, 0, n);
          }
        }
        out.closeEntry();
      }
      out.putNextEntry(new ZipEntry("inst/sdk.folders"));
      out.write("\n".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return jar;
  }
}
