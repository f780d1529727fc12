package org.polarisagent.plugin.grpc.adapter;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;

/** gRPC methods whose messages are UTF-8 text, for tests of calls without generated stubs. */
public final class TextMethods {

  /** Marshals strings as UTF-8 bytes. */
  public static final MethodDescriptor.Marshaller<String> TEXT = new Utf8Text();

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

  private static final class Utf8Text implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(UTF_8));
    }

    /** Decodes the whole stream; the reader carries characters split across reads. */
    @Override
    public String parse(InputStream stream) {
      Reader reader = new InputStreamReader(stream, UTF_8);
      StringBuilder text = new StringBuilder();
      char[] buffer = new char[256];
      try {
        for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
          text.append(buffer, 0, n);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return text.toString();
    }
  }
}
