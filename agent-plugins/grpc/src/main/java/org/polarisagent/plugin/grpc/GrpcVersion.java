package org.polarisagent.plugin.grpc;

/** Reads and checks the version of the gRPC held by an application class loader. Stateless. */
final class GrpcVersion {

  private GrpcVersion() {}

  /**
   * The implementation version of gRPC in that loader (e.g. {@code 1.85.1}), or {@code unknown}.
   * Read through {@code GrpcUtil.getGrpcBuildVersion().getImplementationVersion()}, public from
   * 1.29.0 to 1.85.1 at least; the field {@code GrpcUtil.IMPLEMENTATION_VERSION} is private up to
   * 1.59.1 at least (public in 1.85.1).
   */
  static String of(ClassLoader loader) {
    try {
      Class<?> grpcUtil = Class.forName("io.grpc.internal.GrpcUtil", false, loader);
      Object buildVersion = grpcUtil.getMethod("getGrpcBuildVersion").invoke(null);
      Object version =
          buildVersion.getClass().getMethod("getImplementationVersion").invoke(buildVersion);
      if (version != null) {
        return String.valueOf(version);
      }
    } catch (Throwable t) {
      // Fall back to the field below.
    }
    try {
      Class<?> grpcUtil = Class.forName("io.grpc.internal.GrpcUtil", false, loader);
      return String.valueOf(grpcUtil.getField("IMPLEMENTATION_VERSION").get(null));
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
