package org.polarisagent.plugin.grpc.adapter.propagation;

import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.List;

/**
 * The propagated headers one server call arrived with, as they sit in its gRPC {@code Context}:
 * each configured header the call carried, with all its values. Immutable, so one call's headers
 * can never change under another.
 */
final class PropagatedHeaders {

  private final List<Metadata.Key<String>> keys;
  private final List<Iterable<String>> values;

  private PropagatedHeaders(List<Metadata.Key<String>> keys, List<Iterable<String>> values) {
    this.keys = keys;
    this.values = values;
  }

  /** What {@code headers} carries of {@code keys}, or null if it carries none of them. */
  static PropagatedHeaders capture(List<Metadata.Key<String>> keys, Metadata headers) {
    List<Metadata.Key<String>> present = null;
    List<Iterable<String>> presentValues = null;
    for (Metadata.Key<String> key : keys) {
      Iterable<String> all = headers.getAll(key);
      if (all == null) {
        continue;
      }
      List<String> copy = new ArrayList<>(1);
      for (String value : all) {
        copy.add(value);
      }
      if (present == null) {
        present = new ArrayList<>(keys.size());
        presentValues = new ArrayList<>(keys.size());
      }
      present.add(key);
      presentValues.add(copy);
    }
    return present == null ? null : new PropagatedHeaders(present, presentValues);
  }

  /** Adds each header to an outgoing call's {@code headers} unless the call has it already. */
  void addTo(Metadata headers) {
    for (int i = 0; i < keys.size(); i++) {
      Metadata.Key<String> key = keys.get(i);
      if (!headers.containsKey(key)) {
        for (String value : values.get(i)) {
          headers.put(key, value);
        }
      }
    }
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < keys.size(); i++) {
      text.append(i == 0 ? "" : ", ").append(keys.get(i).name()).append('=').append(values.get(i));
    }
    return text.toString();
  }
}
