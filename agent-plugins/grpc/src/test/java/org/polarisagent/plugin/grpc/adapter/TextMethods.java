package org.polarisagent.plugin.grpc.adapter;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** gRPC methods whose messages are UTF-8 text, for tests of calls without generated stubs. */
public final class TextMethods {

  /** Marshals strings as UTF-8 bytes. */
  public static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<String>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[256];
            int n;
            while ((n = stream.read(buffer)) > 0) {
              out.write(buffer, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private TextMethods() {}

  /** A method of this full name ({@code package.Service/Method}) and type, with text messages. */
  public static MethodDescriptor<String, String> method(
      String fullName, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setFullMethodName(fullName)
        .setType(type)
        .setRequestMarshaller(TEXT)
        .setResponseMarshaller(TEXT)
        .build();
  }
}
