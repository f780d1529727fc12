package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instances Polaris registered for one server, with their ids. Not thread-safe: the server's
 * {@link ServerLifecycle} guards it.
 */
final class RegisteredInstances {

  private final Map<InstanceSpec, String> ids = new LinkedHashMap<>();

  /** Those of {@code instances} that are not registered yet. */
  List<InstanceSpec> missing(List<InstanceSpec> instances) {
    List<InstanceSpec> missing = new ArrayList<>();
    for (InstanceSpec instance : instances) {
      if (!ids.containsKey(instance)) {
        missing.add(instance);
      }
    }
    return missing;
  }

  void registered(InstanceSpec instance, String id) {
    ids.put(instance, id == null ? "" : id);
  }

  List<InstanceSpec> registered() {
    return new ArrayList<>(ids.keySet());
  }

  /** The registered instances with their ids ("" when unknown); forgets them. */
  Map<InstanceSpec, String> takeAll() {
    Map<InstanceSpec, String> all = new LinkedHashMap<>(ids);
    ids.clear();
    return all;
  }
}
