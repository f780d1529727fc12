package org.polarisagent.plugin.grpc.adapter.propagation;

import io.grpc.Metadata;
import java.util.Arrays;
import java.util.List;

/**
 * The propagated headers one server call arrived with, as they sit in its gRPC {@code Context}:
 * each configured header the call carried, with all its values. Immutable, so one call's headers
 * can never change under another.
 */
final class PropagatedHeaders {

  /** The configured headers, shared by every call. */
  private final List<Metadata.Key<String>> keys;

  /** Per configured header, its values in the call, or null if the call did not carry it. */
  private final String[][] values;

  private PropagatedHeaders(List<Metadata.Key<String>> keys, String[][] values) {
    this.keys = keys;
    this.values = values;
  }

  /** What {@code headers} carries of {@code keys}, or null if it carries none of them. */
  static PropagatedHeaders capture(List<Metadata.Key<String>> keys, Metadata headers) {
    String[][] values = null;
    for (int i = 0; i < keys.size(); i++) {
      Iterable<String> all = headers.getAll(keys.get(i));
      if (all == null) {
        continue;
      }
      if (values == null) {
        values = new String[keys.size()][];
      }
      String[] found = new String[1];
      int count = 0;
      for (String value : all) {
        if (count == found.length) {
          found = Arrays.copyOf(found, count * 2);
        }
        found[count++] = value;
      }
      values[i] = count == found.length ? found : Arrays.copyOf(found, count);
    }
    return values == null ? null : new PropagatedHeaders(keys, values);
  }

  /** Adds each header to an outgoing call's {@code headers} unless the call has it already. */
  void addTo(Metadata headers) {
    for (int i = 0; i < values.length; i++) {
      Metadata.Key<String> key = keys.get(i);
      if (values[i] != null && !headers.containsKey(key)) {
        for (String value : values[i]) {
          headers.put(key, value);
        }
      }
    }
  }
}
