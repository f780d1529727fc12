package org.polarisagent.core.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

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
}
