package org.polarisagent.core.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Class files of the SDK as the test class path holds them, for the tests of build-time rewrites.
 */
final class ClassFiles {

  private ClassFiles() {}

  /** The bytes of a class's file. */
  static byte[] bytes(String className) {
    String resource = className.replace('.', '/') + ".class";
    try (InputStream in = ClassFiles.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " not on the class path");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code className} rewritten, defined with its nested classes (and the classes {@code
   * definedWithIt}, unchanged) by a loader that takes every other class from this test's.
   */
  static Class<?> rewritten(
      String className, UnaryOperator<byte[]> rewrite, String... definedWithIt)
      throws ClassNotFoundException {
    List<String> alongside = Arrays.asList(definedWithIt);
    ClassLoader loader =
        new ClassLoader(ClassFiles.class.getClassLoader()) {
          @Override
          protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(className)
                && !name.startsWith(className + "$")
                && !alongside.contains(name)) {
              return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
              Class<?> loaded = findLoadedClass(name);
              if (loaded != null) {
                return loaded;
              }
              byte[] bytes = bytes(name);
              if (name.equals(className)) {
                bytes = rewrite.apply(bytes);
              }
              return defineClass(name, bytes, 0, bytes.length);
            }
          }
        };
    return loader.loadClass(className);
  }
}
