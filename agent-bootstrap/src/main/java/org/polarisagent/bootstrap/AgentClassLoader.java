package org.polarisagent.bootstrap;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Class loader of the agent's internals: agent core, plugins, ASM and the Polaris SDK.
 *
 * <p>They are stored in the agent jar under {@value #PREFIX} with class files renamed to {@value
 * #CLASS_SUFFIX}, so that no application class loader, and no classpath scanner, can find them. Its
 * parent is the platform loader (the extension loader on Java 8), so JDK types are shared and
 * application types are not; the bridge types of this package come from the loader that loaded this
 * class, so that the agent and the instrumented application code share them. Thread-safe.
 */
public final class AgentClassLoader extends ClassLoader {

  static final String PREFIX = "inst/";
  static final String CLASS_SUFFIX = ".classdata";
  private static final String BRIDGE_PACKAGE = "org.polarisagent.bootstrap.";

  static {
    registerAsParallelCapable();
  }

  private final JarFile jar;
  private final String jarUrl;
  private final ProtectionDomain protectionDomain;

  public AgentClassLoader(File agentJar) throws IOException {
    super(ClassLoader.getSystemClassLoader().getParent());
    this.jar = new JarFile(agentJar, false);
    URL location = agentJar.toURI().toURL();
    this.jarUrl = "jar:" + location.toExternalForm() + "!/";
    this.protectionDomain =
        new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
  }

  /** Reads the class file bytes of an agent-internal class, or returns null when there is none. */
  public byte[] classBytes(String className) throws IOException {
    JarEntry entry = jar.getJarEntry(PREFIX + className.replace('.', '/') + CLASS_SUFFIX);
    if (entry == null) {
      return null;
    }
    try (InputStream in = jar.getInputStream(entry)) {
      return readAll(in, (int) entry.getSize());
    }
  }

  /** The protection domain every class of the agent's own jar is defined with. */
  public ProtectionDomain protectionDomain() {
    return protectionDomain;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (name.startsWith(BRIDGE_PACKAGE)) {
      return AgentClassLoader.class.getClassLoader().loadClass(name);
    }
    return super.loadClass(name, resolve);
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes;
    try {
      bytes = classBytes(name);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
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
    String entryName = entryName(name);
    if (jar.getJarEntry(entryName) == null) {
      return null;
    }
    try {
      return new URL(jarUrl + entryName);
    } catch (MalformedURLException e) {
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

  private static String entryName(String resourceName) {
    String name = resourceName.startsWith("/") ? resourceName.substring(1) : resourceName;
    if (name.endsWith(".class")) {
      name = name.substring(0, name.length() - ".class".length()) + CLASS_SUFFIX;
    }
    return PREFIX + name;
  }

  private static byte[] readAll(InputStream in, int sizeHint) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(sizeHint > 0 ? sizeHint : 4096);
    byte[] buffer = new byte[8192];
    int n;
    while ((n = in.read(buffer)) != -1) {
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }
}
