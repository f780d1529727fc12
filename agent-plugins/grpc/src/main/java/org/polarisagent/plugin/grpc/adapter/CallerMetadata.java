package org.polarisagent.plugin.grpc.adapter;

import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.polarisagent.plugin.grpc.CallerHeaders;

/**
 * The caller-identity headers of {@link CallerHeaders} as the application's gRPC metadata keys:
 * callers put the value under every name, providers read the first name present. Immutable.
 */
public final class CallerMetadata {

  /** The caller's service, under each header name. */
  public static final List<Metadata.Key<String>> SERVICE = keys(CallerHeaders.SERVICE);

  /** The caller's namespace, under each header name. */
  public static final List<Metadata.Key<String>> NAMESPACE = keys(CallerHeaders.NAMESPACE);

  private CallerMetadata() {}

  private static List<Metadata.Key<String>> keys(List<String> names) {
    List<Metadata.Key<String>> keys = new ArrayList<>();
    for (String name : names) {
      keys.add(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    }
    return Collections.unmodifiableList(keys);
  }

  /** Sets {@code value} under every one of the keys, replacing what the call carried. */
  public static void put(Metadata headers, List<Metadata.Key<String>> keys, String value) {
    for (Metadata.Key<String> key : keys) {
      headers.discardAll(key);
      headers.put(key, value);
    }
  }

  /** The value of the first of the keys that the call carries, or null. */
  public static String first(Metadata headers, List<Metadata.Key<String>> keys) {
    for (Metadata.Key<String> key : keys) {
      String value = headers.get(key);
      if (value != null) {
        return value;
      }
    }
    return null;
  }
}
