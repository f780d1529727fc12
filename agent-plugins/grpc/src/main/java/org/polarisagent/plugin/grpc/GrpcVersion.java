package org.polarisagent.plugin.grpc;

/** Reads and checks the version of the gRPC held by an application class loader. Stateless. */
final class GrpcVersion {

  private GrpcVersion() {}

  /** The implementation version of gRPC in that loader (e.g. {@code 1.85.1}), or {@code unknown}. */
  static String of(ClassLoader loader) {
    try {
      Class<?> grpcUtil = Class.forName("io.grpc.internal.GrpcUtil", false, loader);
      Object version = grpcUtil.getField("IMPLEMENTATION_VERSION").get(null);
      return String.valueOf(version);
    } catch (Throwable t) {
      return "unknown";
    }
  }

  /** True for 1.30.0 and later, including snapshots and release candidates of later versions. */
  static boolean supported(String version) {
    String[] parts = version.split("[.-]");
    if (parts.length < 2) {
      return false;
    }
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = Integer.parseInt(parts[1]);
      return major > 1 || (major == 1 && minor >= 30);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
