package org.polarisagent.plugin.grpc.adapter.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Polaris may list for one server: the instances it registered, with their ids, and those
 * whose registration got no answer in time (Polaris may have carried it out, so they are
 * deregistered at departure too, and registered again, with heartbeats, by the next attempt). Not
 * thread-safe: the server's {@link ServerLifecycle} guards it.
 */
final class RegisteredInstances {

  private final Map<InstanceSpec, String> ids = new LinkedHashMap<>();
  private final Set<InstanceSpec> unanswered = new LinkedHashSet<>();

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
    unanswered.remove(instance);
  }

  void unanswered(InstanceSpec instance) {
    unanswered.add(instance);
  }

  List<InstanceSpec> registered() {
    return new ArrayList<>(ids.keySet());
  }

  /** Everything Polaris may list, with its id ("" when unknown); forgets it all. */
  Map<InstanceSpec, String> takeAll() {
    Map<InstanceSpec, String> all = new LinkedHashMap<>(ids);
    for (InstanceSpec instance : unanswered) {
      all.putIfAbsent(instance, "");
    }
    ids.clear();
    unanswered.clear();
    return all;
  }
}
