package org.polarisagent.plugin.grpc.adapter.client;

import com.tencent.polaris.api.pojo.Instance;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.balance.Selector;

/** The pickers a Polaris balancer publishes. Immutable; used by many threads at once. */
abstract class PolarisPicker extends SubchannelPicker {

  private PolarisPicker() {}

  /**
   * Chooses among READY instances with the configured policy. Everything that does not depend on the call
   * is prepared when the picker is built; a pick allocates nothing once each method has been seen.
   */
  static final class Balancing extends PolarisPicker {
    private final Entry[] entries;
    private final Selector selector;
    private final Metadata.Key<String> hashHeader;
    private final OutcomeReporter reporter;
    private final PolarisTarget target;

    Balancing(List<PolarisLoadBalancer.Endpoint> ready, ClientSupport client, OutcomeReporter reporter,
        PolarisTarget target) {
      this.reporter = reporter;
      this.target = target;
      entries = new Entry[ready.size()];
      int[] weights = new int[entries.length];
      String[] ids = new String[entries.length];
      for (int i = 0; i < entries.length; i++) {
        PolarisLoadBalancer.Endpoint endpoint = ready.get(i);
        entries[i] = new Entry(endpoint.subchannel, endpoint.instance);
        Instance instance = endpoint.instance;
        weights[i] = instance == null ? 100 : instance.getWeight();
        ids[i] = instance == null ? String.valueOf(endpoint.subchannel.getAddresses()) : instance.getHost() + ":"
            + instance.getPort();
      }
      selector = Selector.of(client.loadBalancer(), weights, ids);
      String header = client.hashHeader();
      hashHeader = header.isEmpty() ? null : Metadata.Key.of(header, Metadata.ASCII_STRING_MARSHALLER);
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      String hashKey = hashHeader == null ? null : args.getHeaders().get(hashHeader);
      Entry entry = entries[selector.select(hashKey)];
      String method = args.getMethodDescriptor().getFullMethodName();
      PickResult result = entry.results.get(method);
      if (result == null) {
        result = PickResult.withSubchannel(entry.subchannel, reporter.tracerFactory(target, entry.instance, method));
        PickResult raced = entry.results.putIfAbsent(method, result);
        if (raced != null) {
          result = raced;
        }
      }
      return result;
    }

    private static final class Entry {
      final Subchannel subchannel;
      final Instance instance;
      final ConcurrentMap<String, PickResult> results = new ConcurrentHashMap<>();

      Entry(Subchannel subchannel, Instance instance) {
        this.subchannel = subchannel;
        this.instance = instance;
      }
    }
  }

  /** Fails every call at once (wait-for-ready calls keep waiting, as gRPC defines). */
  static final class Failing extends PolarisPicker {
    private final PickResult result;

    Failing(Status status) {
      result = PickResult.withError(status);
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      return result;
    }
  }

  /** Holds calls while the first connections are being made. */
  static final class Buffering extends PolarisPicker {
    static final Buffering INSTANCE = new Buffering();

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      return PickResult.withNoResult();
    }
  }
}
