package org.polarisagent.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.charset.StandardCharsets;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;

/**
 * Class loader of the agent's internals: agent core, plugins, ASM and the Polaris SDK.
 *
 * <p>They are stored in the agent jar under {@value #PREFIX}, out of sight of every application
 * class loader and classpath scanner: the agent's own classes as entries with class files renamed
 * to {@value #CLASS_SUFFIX}, and the SDK with its dependencies as one archive, {@value
 * #SDK_ARCHIVE}, stored uncompressed. Every name is in one of the two, and the agent's own are
 * looked up first, so the SDK archive's directory (about 20,000 entries) is read only when a class
 * or resource of the SDK is first needed: an application that never uses Polaris does not pay for
 * it, and the JVM opens a jar of a few hundred entries at start. Its parent is the platform loader
 * (the extension loader on Java 8), so JDK types are shared and application types are not (a class
 * the agent or the SDK holds outside the JDK's namespaces is defined here without asking the parent
 * first, {@link #loadClass(String, boolean)}); the bridge types of this package come from the
 * loader that loaded this class, so that the agent and the instrumented application code share
 * them. Thread-safe.
 */
public final class AgentClassLoader extends ClassLoader {

  static final String PREFIX = "inst/";
  static final String CLASS_SUFFIX = ".classdata";
  static final String SDK_ARCHIVE = PREFIX + "sdk.jar";
  static final String SDK_FOLDERS = PREFIX + "sdk.folders";
  private static final String BRIDGE_PACKAGE = "org.polarisagent.bootstrap.";

  /** Packages of the JDK's modules (and of Java 8's runtime and extension jars). */
  private static final String[] JDK_PREFIXES = {
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "org.w3c.",
    "org.xml.",
    "org.ietf.",
    "org.omg.",
    "org.jcp.",
    "netscape."
  };

  static {
    registerAsParallelCapable();
  }

  private final ZipIndex jar;
  private final RandomAccessFile file;
  private final String jarLocation;
  private final ProtectionDomain protectionDomain;
  private final EntryUrls jarUrls;
  private volatile ZipIndex sdk;
  private volatile EntryUrls sdkUrls;
  private volatile Set<String> sdkFolders;

  @SuppressWarnings("resource") // open for the JVM's life, as the class path's jars are
  public AgentClassLoader(File agentJar) throws IOException {
    super(ClassLoader.getSystemClassLoader().getParent());
    this.file = new RandomAccessFile(agentJar, "r");
    this.jar = ZipIndex.read(file, 0, file.length());
    URL location = agentJar.toURI().toURL();
    this.jarLocation = location.toExternalForm();
    this.jarUrls = new EntryUrls(jar, jarLocation + "!/");
    this.protectionDomain =
        new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
  }

  /** Reads the class file bytes of an agent-internal class, or returns null when there is none. */
  public byte[] classBytes(String className) throws IOException {
    String path = className.replace('.', '/');
    byte[] own = jar.read(PREFIX + path + CLASS_SUFFIX);
    if (own != null || !sdkMayHold(path)) {
      return own;
    }
    return sdk().read(path + ".class");
  }

  /** The protection domain every class of the agent's own jar is defined with. */
  public ProtectionDomain protectionDomain() {
    return protectionDomain;
  }

  /**
   * The bridge types come from the loader of this class, and the JDK's namespaces from the parent,
   * as the default delegation has it; any other class from this loader if it holds it, else from
   * the parent. Asking the parent first for the agent's and the SDK's own classes would make it
   * throw (and this loader catch) a {@code ClassNotFoundException} with a filled-in stack trace for
   * each of the 2,000 and more classes the SDK loads.
   */
  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (name.startsWith(BRIDGE_PACKAGE)) {
      return AgentClassLoader.class.getClassLoader().loadClass(name);
    }
    if (isSharedName(name)) {
      return super.loadClass(name, resolve);
    }
    Class<?> held = loadHeld(name);
    if (held == null) {
      // Not the agent's: only the parent may have it (this loader's own lookup is done).
      held = getParent().loadClass(name);
    }
    if (resolve) {
      resolveClass(held);
    }
    return held;
  }

  /**
   * The class of this name that the agent jar or the SDK holds, defined by this loader (or one this
   * loader already returned for the name); null if they hold none (no exception is made) and for
   * the names of {@link #isSharedName}.
   *
   * @throws ClassNotFoundException when the agent jar or the SDK archive cannot be read
   */
  public Class<?> loadHeld(String name) throws ClassNotFoundException {
    if (isSharedName(name)) {
      return null;
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> loaded = findLoadedClass(name);
      if (loaded != null) {
        return loaded;
      }
      byte[] bytes = bytesOf(name);
      return bytes == null ? null : define(name, bytes);
    }
  }

  /**
   * Whether this loader asks elsewhere first for classes of this name: the bridge types (the loader
   * of this class) and the JDK's namespaces (the parent; the SDK's own classes in such a namespace,
   * javax.annotation and javax.xml.bind, only where the parent has none).
   */
  public static boolean isSharedName(String name) {
    if (name.startsWith(BRIDGE_PACKAGE)) {
      return true;
    }
    for (String prefix : JDK_PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes = bytesOf(name);
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
    return define(name, bytes);
  }

  private byte[] bytesOf(String name) throws ClassNotFoundException {
    try {
      return classBytes(name);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }

  private Class<?> define(String name, byte[] bytes) {
    definePackageOf(name);
    return defineClass(name, bytes, 0, bytes.length, protectionDomain);
  }

  private void definePackageOf(String className) {
    int dot = className.lastIndexOf('.');
    if (dot <= 0) {
      return;
    }
    String pkg = className.substring(0, dot);
    if (getPackage(pkg) == null) {
      try {
        definePackage(pkg, null, null, null, null, null, null, null);
      } catch (IllegalArgumentException raced) {
        // another thread defined it first
      }
    }
  }

  @Override
  protected URL findResource(String name) {
    String path = name.startsWith("/") ? name.substring(1) : name;
    String own =
        PREFIX
            + (path.endsWith(".class")
                ? path.substring(0, path.length() - ".class".length()) + CLASS_SUFFIX
                : path);
    try {
      if (jar.contains(own)) {
        return jarUrls.of(own);
      }
      return sdkMayHold(path) && sdk().contains(path) ? sdkUrls.of(path) : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  protected Enumeration<URL> findResources(String name) {
    URL url = findResource(name);
    return url == null
        ? Collections.<URL>emptyEnumeration()
        : Collections.enumeration(Collections.singletonList(url));
  }

  /** Whether the SDK archive has the folder of this entry; true when the jar has no folder list. */
  private boolean sdkMayHold(String path) throws IOException {
    Set<String> folders = sdkFolders;
    if (folders == null) {
      byte[] list = jar.read(SDK_FOLDERS);
      if (list == null) {
        return true;
      }
      folders = new HashSet<>();
      for (String folder : new String(list, StandardCharsets.UTF_8).split("\n")) {
        folders.add(folder.trim());
      }
      sdkFolders = folders;
    }
    int slash = path.lastIndexOf('/');
    return slash < 0 || folders.contains(path.substring(0, slash));
  }

  /** Whether the SDK archive has been opened: for tests of what an application pays for. */
  boolean sdkArchiveOpened() {
    return sdk != null;
  }

  /** The SDK archive, its directory read on first use. */
  private ZipIndex sdk() throws IOException {
    ZipIndex archive = sdk;
    if (archive == null) {
      synchronized (this) {
        archive = sdk;
        if (archive == null) {
          long[] region = jar.storedRegion(SDK_ARCHIVE);
          archive = ZipIndex.read(file, region[0], region[1]);
          sdkUrls = new EntryUrls(archive, jarLocation + "!/" + SDK_ARCHIVE + "!/");
          sdk = archive;
        }
      }
    }
    return archive;
  }

  /**
   * URLs of one archive's entries, {@code jar:file:...!/entry} (or {@code ...!/inst/sdk.jar!/entry}
   * for the SDK's), whose streams read the entry from that archive: nothing reopens the jar, and a
   * nested entry needs no handler of the JDK's.
   */
  private static final class EntryUrls extends URLStreamHandler {
    private final ZipIndex archive;
    private final String base;

    EntryUrls(ZipIndex archive, String base) {
      this.archive = archive;
      this.base = base;
    }

    URL of(String entry) throws MalformedURLException {
      return new URL("jar", null, -1, base + entry, this);
    }

    @Override
    protected URLConnection openConnection(URL url) {
      final String file = url.getFile();
      return new URLConnection(url) {
        @Override
        public void connect() {}

        @Override
        public InputStream getInputStream() throws IOException {
          byte[] bytes = file.startsWith(base) ? archive.read(file.substring(base.length())) : null;
          if (bytes == null) {
            throw new FileNotFoundException(url.toExternalForm());
          }
          return new ByteArrayInputStream(bytes);
        }
      };
    }
  }
}
