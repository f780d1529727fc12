package org.polarisagent.core.logging;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.text.SimpleDateFormat;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/**
 * Where the Polaris SDK's log lines go: one file outside the application's working directory,
 * appended, rotated once to {@code <file>.1} when it passes {@value #MAX_BYTES} bytes, with {@link
 * Secrets} masked.
 *
 * <p>Only the current user may read it: on a POSIX file system the directory is created {@code
 * 0700} and the file {@code 0600} (and set so if they exist), and a directory or file that is a
 * symbolic link or belongs to another user is refused with one ERROR line. If the file cannot be
 * used, lines are dropped after that one line; the application runs on. Thread-safe.
 */
public final class SdkLogFile {

  static final long MAX_BYTES = 10L * 1024 * 1024;

  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private static volatile AgentLog.Level threshold = AgentLog.Level.INFO;
  private static Path file;
  private static OutputStream out;
  private static long written;
  private static boolean failed;

  private SdkLogFile() {}

  /** Points SDK logging at a file and sets its level; called once at agent start. */
  public static synchronized void configure(String path, AgentLog.Level level) {
    threshold = level;
    file = Paths.get(path).toAbsolutePath();
    out = null;
    written = 0;
    failed = false;
  }

  public static boolean enabled(AgentLog.Level level) {
    return level.ordinal() <= threshold.ordinal();
  }

  /** Writes one line for a logger, unless its level is filtered out. */
  public static void write(AgentLog.Level level, String logger, String message, Throwable failure) {
    if (!enabled(level)) {
      return;
    }
    StringBuilder line = new StringBuilder(128);
    line.append(new SimpleDateFormat("yyyy-MM-dd HH:mm:ss.SSS").format(new Date()))
        .append(' ')
        .append(level)
        .append(" [")
        .append(Thread.currentThread().getName())
        .append("] ")
        .append(logger)
        .append(" - ")
        .append(message)
        .append('\n');
    if (failure != null) {
      StringWriter trace = new StringWriter();
      failure.printStackTrace(new PrintWriter(trace));
      line.append(trace);
    }
    append(Secrets.mask(line.toString()).getBytes(StandardCharsets.UTF_8));
  }

  private static synchronized void append(byte[] bytes) {
    if (failed || file == null) {
      return;
    }
    try {
      if (out == null || written > MAX_BYTES) {
        open();
      }
      out.write(bytes);
      out.flush();
      written += bytes.length;
    } catch (RefusedException e) {
      failed = true;
      AgentLog.error("the Polaris SDK log is not written: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      failed = true;
      AgentLog.warn(
          "cannot write the Polaris SDK log to "
              + file
              + " ("
              + e
              + "); SDK log lines are dropped");
    }
  }

  private static void open() throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (out != null) {
      out.close();
      out = null;
      Files.move(
          file,
          file.resolveSibling(file.getFileName() + ".1"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    Path dir = file.getParent();
    if (dir != null) {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        if (posix) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        } else {
          Files.createDirectories(dir);
        }
      }
      checkOwnedDirectory(dir, posix);
    }
    if (Files.isSymbolicLink(file)) {
      throw new RefusedException(file + " is a symbolic link");
    }
    Set<OpenOption> options = new HashSet<>();
    Collections.addAll(
        options,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND,
        StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
            : new FileAttribute<?>[0];
    OutputStream opened = Channels.newOutputStream(Files.newByteChannel(file, options, attributes));
    try {
      if (posix) {
        checkOwner(file);
        Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
      }
      written = Files.size(file);
    } catch (IOException | RuntimeException e) {
      opened.close();
      throw e;
    }
    out = opened;
  }

  /**
   * Refuses a directory that is a link, or not the current user's; makes it owner-only if it is.
   */
  private static void checkOwnedDirectory(Path dir, boolean posix) throws IOException {
    if (Files.isSymbolicLink(dir)) {
      throw new RefusedException("its directory " + dir + " is a symbolic link");
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory");
    }
    if (posix) {
      checkOwner(dir);
      if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY_DIR)) {
        Files.setPosixFilePermissions(dir, EnumSet.copyOf(OWNER_ONLY_DIR));
      }
    }
  }

  private static void checkOwner(Path path) throws IOException {
    UserPrincipal owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
    UserPrincipal current = currentUser();
    if (!owner.equals(current)) {
      throw new RefusedException(
          path
              + " belongs to "
              + owner.getName()
              + ", not to the current user "
              + current.getName());
    }
  }

  /** The user this JVM runs as: by its name, or else as the owner of a file it creates. */
  private static UserPrincipal currentUser() throws IOException {
    try {
      return FileSystems.getDefault()
          .getUserPrincipalLookupService()
          .lookupPrincipalByName(System.getProperty("user.name"));
    } catch (IOException | RuntimeException unknownName) {
      // A user without a name on this host (e.g. a bare uid in a container): ask the file system.
    }
    Path probe = Files.createTempFile("polaris-agent-owner", ".tmp");
    try {
      return Files.getOwner(probe);
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  /** The file must not be used, for a reason the user must see. */
  private static final class RefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    RefusedException(String reason) {
      super(reason);
    }
  }
}
