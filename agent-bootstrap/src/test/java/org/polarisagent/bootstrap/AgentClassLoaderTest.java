package org.polarisagent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent class loader over a jar laid out as the build lays it out: what the application pays
 * for is the agent's own entries; the SDK archive is opened only for a name in one of its folders.
 */
class AgentClassLoaderTest {

  @TempDir Path dir;

  @Test
  void theSdkArchiveIsOpenedOnlyForANameInOneOfItsFolders() throws Exception {
    AgentClassLoader loader = new AgentClassLoader(agentJar().toFile());

    assertEquals("the agent's own", text(loader.getResource("org/polarisagent/own.txt")));
    assertThrows(ClassNotFoundException.class, () -> loader.loadClass("io.grpc.ManagedChannel"));
    assertNull(loader.getResource("io/grpc/absent.txt"));
    assertFalse(loader.sdkArchiveOpened(), "opened for names outside the SDK's folders");

    URL sdkResource = loader.getResource("com/example/sdk/config.txt");
    assertTrue(loader.sdkArchiveOpened());
    assertTrue(
        sdkResource.toExternalForm().endsWith("!/inst/sdk.jar!/com/example/sdk/config.txt"),
        sdkResource.toExternalForm());
    assertEquals("the SDK's", text(sdkResource));
    assertNull(loader.getResource("com/example/sdk/absent.txt"));
    assertThrows(ClassNotFoundException.class, () -> loader.loadClass("com.example.sdk.Absent"));
  }

  @Test
  void theAgentsOwnClassesAreDefinedHereAndTheJdksComeFromTheParent() throws Exception {
    AgentClassLoader loader = new AgentClassLoader(agentJar().toFile());

    Class<?> held = loader.loadClass("com.example.sdk.Held");
    assertEquals(loader, held.getClassLoader());
    assertEquals(held, loader.loadHeld("com.example.sdk.Held"));
    assertNull(loader.loadHeld("com.example.sdk.Absent"), "absent: null, not an exception");
    assertNull(loader.loadHeld("java.lang.String"), "the JDK's classes are never the agent's");
    assertEquals(String.class, loader.loadClass("java.lang.String"));
    assertNull(loader.loadHeld(AgentClassLoader.class.getName()));
    assertEquals(AgentClassLoader.class, loader.loadClass(AgentClassLoader.class.getName()));
  }

  @Test
  void anInterruptedThreadLoadsAndLeavesTheLoaderWorking() throws Exception {
    AgentClassLoader loader = new AgentClassLoader(agentJar().toFile());
    Thread.currentThread().interrupt();
    try {
      assertEquals("the SDK's", text(loader.getResource("com/example/sdk/config.txt")));
    } finally {
      Thread.interrupted();
    }
    assertEquals("the agent's own", text(loader.getResource("org/polarisagent/own.txt")));
  }

  /** An agent jar: one own resource, the SDK archive stored, and the list of its folders. */
  private Path agentJar() throws IOException {
    ByteArrayOutputStream sdk = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(sdk)) {
      out.putNextEntry(new ZipEntry("com/example/sdk/config.txt"));
      out.write("the SDK's".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      out.putNextEntry(new ZipEntry("com/example/sdk/Held.class"));
      try (InputStream held =
          AgentClassLoaderTest.class.getResourceAsStream("/com/example/sdk/Held.class")) {
        byte[] buffer = new byte[4096];
        int n;
        while ((n = held.read(buffer)) != -1) {
          out.write(buffer, 0, n);
        }
      }
      out.closeEntry();
    }
    Path jar = dir.resolve("polaris-agent.jar");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new ZipEntry("inst/org/polarisagent/own.txt"));
      out.write("the agent's own".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      out.putNextEntry(new ZipEntry(AgentClassLoader.SDK_FOLDERS));
      out.write("com\ncom/example\ncom/example/sdk\n".getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      byte[] archive = sdk.toByteArray();
      ZipEntry stored = new ZipEntry(AgentClassLoader.SDK_ARCHIVE);
      stored.setMethod(ZipEntry.STORED);
      stored.setSize(archive.length);
      CRC32 crc = new CRC32();
      crc.update(archive);
      stored.setCrc(crc.getValue());
      out.putNextEntry(stored);
      out.write(archive);
      out.closeEntry();
    }
    return jar;
  }

  private static String text(URL url) throws IOException {
    try (InputStream in = url.openStream()) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      byte[] buffer = new byte[256];
      int n;
      while ((n = in.read(buffer)) != -1) {
        bytes.write(buffer, 0, n);
      }
      return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    }
  }
}
