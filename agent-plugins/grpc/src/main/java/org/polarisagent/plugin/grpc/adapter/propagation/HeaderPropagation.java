package org.polarisagent.plugin.grpc.adapter.propagation;

import io.grpc.Context;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.ServerBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.polarisagent.core.config.AgentConfig;
import org.polarisagent.core.logging.AgentLog;

/**
 * Header pass-through ({@code polaris.grpc.propagate-headers}) for one application's gRPC: a {@link
 * HeaderCapture} on every server builder, a {@link HeaderForwarding} on the builder of every
 * Polaris channel, each added once per builder. The two meet in a {@code Context} key of this
 * application's gRPC, so headers follow the gRPC {@code Context} of each call and never cross
 * between calls. Created only when the key names at least one header. Thread-safe.
 */
public final class HeaderPropagation {

  private final List<String> names;
  private final HeaderCapture capture;
  private final HeaderForwarding forwarding;
  private final Map<Object, Boolean> prepared = new WeakHashMap<>();
  private final Set<String> refusingBuilders =
      Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());

  HeaderPropagation(List<String> names) {
    this.names = names;
    List<Metadata.Key<String>> keys = new ArrayList<>();
    for (String name : names) {
      keys.add(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    }
    Context.Key<PropagatedHeaders> contextKey = Context.key("polaris-agent-propagated-headers");
    this.capture = new HeaderCapture(Collections.unmodifiableList(keys), contextKey);
    this.forwarding = new HeaderForwarding(contextKey);
  }

  /** The propagation the configuration asks for, or null if it names no header. */
  public static HeaderPropagation of(AgentConfig config) {
    List<String> names = config.get(AgentConfig.PROPAGATE_HEADERS);
    return names.isEmpty() ? null : new HeaderPropagation(names);
  }

  /** Adds the capture to a {@code io.grpc.ServerBuilder}, unless it has it already. */
  public void prepareServer(Object builder) {
    if (!firstTime(builder)) {
      return;
    }
    try {
      ((ServerBuilder<?>) builder).intercept(capture);
    } catch (UnsupportedOperationException e) {
      refused(builder, "the servers it builds do not pass on headers " + names);
    }
  }

  /**
   * Adds the forwarding to the {@code io.grpc.ManagedChannelBuilder} of a Polaris channel, unless
   * it has it already.
   */
  public void prepareChannel(Object builder) {
    if (!firstTime(builder)) {
      return;
    }
    try {
      ((ManagedChannelBuilder<?>) builder).intercept(forwarding);
    } catch (UnsupportedOperationException e) {
      refused(builder, "its channels do not carry headers " + names + " on");
    }
  }

  private boolean firstTime(Object builder) {
    synchronized (prepared) {
      return prepared.put(builder, Boolean.TRUE) == null;
    }
  }

  private void refused(Object builder, String consequence) {
    if (refusingBuilders.add(builder.getClass().getName())) {
      AgentLog.warn(builder.getClass().getName() + " takes no interceptor: " + consequence);
    }
  }
}
