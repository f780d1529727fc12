package org.polarisagent.core.sdk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.function.UnaryOperator;

/**
 * Build time: the dist build runs {@link #main} once on the unpacked agent internals, to rewrite a
 * few classes of the SDK in place ({@link SdkUnsafeSwitch}, {@link RetCodeRewrite}, {@link
 * JacksonRewrite}, {@link LocationOptionsRewrite}, {@link SdkCallRedirect}). Stateless.
 */
final class SdkRewrites {

  private SdkRewrites() {}

  /** Rewrites the classes under the folder {@code args[0]}; exits with 1 if one cannot be. */
  public static void main(String[] args) {
    Path root = Paths.get(args[0]);
    try {
      rewrite(
          root,
          SdkUnsafeSwitch.PROTOBUF,
          file -> SdkUnsafeSwitch.rewrite(file, "getUnsafe", "()Lsun/misc/Unsafe;"));
      rewrite(
          root,
          SdkUnsafeSwitch.GUAVA_HELPER,
          file -> SdkUnsafeSwitch.rewrite(file, "<clinit>", "()V"));
      rewrite(root, RetCodeRewrite.BREAKER_UTILS, RetCodeRewrite::rewrite);
      rewrite(root, JacksonRewrite.PLUGIN_CONFIG, JacksonRewrite::pluginConfig);
      rewrite(root, JacksonRewrite.CONFIG_UTILS, JacksonRewrite::configUtils);
      rewrite(root, LocationOptionsRewrite.BASE_PROVIDER, LocationOptionsRewrite::rewrite);
      for (String className : SdkCallRedirect.CLASSES) {
        rewrite(root, className, SdkCallRedirect::rewrite);
      }
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("cannot rewrite the SDK's classes: " + e);
      System.exit(1);
    }
  }

  private static void rewrite(Path root, String className, UnaryOperator<byte[]> rewrite)
      throws IOException {
    Path file = root.resolve(className.replace('.', '/') + ".class");
    try {
      Files.write(file, rewrite.apply(Files.readAllBytes(file)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(className + ": " + e.getMessage(), e);
    }
  }
}
