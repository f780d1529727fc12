package org.polarisagent.core.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

class SdkLogFileTest {

  private static final String TOKEN = "tok-7f3a9c1e-secret";

  @TempDir Path temp;
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStderr() {
    originalErr = System.err;
    System.setErr(new PrintStream(stderr, true));
    Secrets.add(TOKEN);
  }

  @AfterEach
  void restore() {
    System.setErr(originalErr);
    SdkLogFile.configure(temp.resolve("unused/sdk.log").toString(), AgentLog.Level.INFO);
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  private String stderr() {
    return new String(stderr.toByteArray(), StandardCharsets.UTF_8);
  }

  private static Logger sdkLogger() {
    return new SdkLoggerFactory().getLogger("com.tencent.polaris.test");
  }

  @Test
  void theTokenIsMaskedInMessagesArgumentsAndStackTraces() throws IOException {
    Path log = temp.resolve("logs/polaris-sdk.log");
    SdkLogFile.configure(log.toString(), AgentLog.Level.DEBUG);

    sdkLogger().info("config: serverConnector{addresses=[127.0.0.1:8091], token='" + TOKEN + "'}");
    sdkLogger().debug("deregister request {}", "InstanceDeregisterRequest{token=" + TOKEN + "}");
    sdkLogger().warn("failed", new IllegalStateException("bad token " + TOKEN));

    String content = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    assertFalse(content.contains(TOKEN), content);
    assertTrue(content.contains("token='***'"), content);
    assertTrue(content.contains("InstanceDeregisterRequest{token=***}"), content);
    assertTrue(content.contains("IllegalStateException: bad token ***"), content);
  }

  @Test
  void theAgentsOwnLinesMaskTheTokenToo() {
    AgentLog.warn("cannot connect with token " + TOKEN);

    assertFalse(stderr().contains(TOKEN), stderr());
    assertTrue(stderr().contains("cannot connect with token ***"), stderr());
  }

  @Test
  void theDirectoryIsCreatedOwnerOnlyAndTheFileReadableByTheOwnerOnly() throws IOException {
    assumeTrue(posix(), "POSIX permissions");
    Path log = temp.resolve("a/polaris-agent-me/polaris-sdk.log");
    SdkLogFile.configure(log.toString(), AgentLog.Level.INFO);

    sdkLogger().info("hello");

    assertEquals("rwx------", permissions(log.getParent()));
    assertEquals("rw-------", permissions(log));
    assertEquals("", stderr());
  }

  @Test
  void anExistingDirectoryAndFileOfTheUserAreMadeOwnerOnly() throws IOException {
    assumeTrue(posix(), "POSIX permissions");
    Path dir = Files.createDirectory(temp.resolve("open"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path log = Files.createFile(dir.resolve("polaris-sdk.log"));
    Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-rw-rw-"));
    SdkLogFile.configure(log.toString(), AgentLog.Level.INFO);

    sdkLogger().info("hello");

    assertEquals("rwx------", permissions(dir));
    assertEquals("rw-------", permissions(log));
  }

  @Test
  void aDirectoryThatIsASymbolicLinkIsRefusedWithOneErrorLine() throws IOException {
    Path elsewhere = Files.createDirectory(temp.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(temp.resolve("polaris-agent-me"), elsewhere);
    SdkLogFile.configure(link.resolve("polaris-sdk.log").toString(), AgentLog.Level.INFO);

    sdkLogger().info("first");
    sdkLogger().error("second");

    assertEquals(0, Files.list(elsewhere).count(), "nothing is written through the link");
    assertEquals(
        1,
        lines(
            "ERROR the Polaris SDK log is not written: its directory "
                + link
                + " is a symbolic link"),
        stderr());
    assertEquals(1, stderr().split("\n").length, stderr());
  }

  @Test
  void aLogFileThatIsASymbolicLinkIsRefused() throws IOException {
    Path dir = Files.createDirectory(temp.resolve("mine"));
    Path target = Files.createFile(temp.resolve("target.txt"));
    Path log = Files.createSymbolicLink(dir.resolve("polaris-sdk.log"), target);
    SdkLogFile.configure(log.toString(), AgentLog.Level.INFO);

    sdkLogger().info("hello");

    assertEquals(0, Files.size(target));
    assertEquals(
        1,
        lines("ERROR the Polaris SDK log is not written: " + log + " is a symbolic link"),
        stderr());
  }

  @Test
  void aDirectoryOfAnotherUserIsRefused() throws IOException {
    assumeTrue(posix(), "POSIX owners");
    Path dir = Files.createDirectory(temp.resolve("theirs"));
    try {
      Files.setAttribute(dir, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      assumeTrue(false, "only a privileged user can give a directory away: " + e);
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    SdkLogFile.configure(dir.resolve("polaris-sdk.log").toString(), AgentLog.Level.INFO);

    sdkLogger().info("hello");

    assertFalse(Files.exists(dir.resolve("polaris-sdk.log")));
    assertEquals(
        1, lines("ERROR the Polaris SDK log is not written: " + dir + " belongs to "), stderr());
  }

  private long lines(String fragment) {
    return Arrays.stream(stderr().split("\n")).filter(line -> line.contains(fragment)).count();
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }
}
