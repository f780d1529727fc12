package org.polarisagent.plugin.grpc.adapter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.pojo.DefaultInstance;
import com.tencent.polaris.api.pojo.Instance;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.ProxyDetector;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.polarisagent.plugin.grpc.Await;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.TestAgentContext;

/** The Polaris resolver over a fake directory: what it publishes, when, and on which threads. */
class PolarisNameResolverTest {

  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
  private final SynchronizationContext syncContext =
      new SynchronizationContext((thread, error) -> uncaught.add(error));
  private final FakeDirectory directory = new FakeDirectory();
  private final List<NameResolver> resolvers = new ArrayList<>();

  @AfterEach
  void shutDown() {
    resolvers.forEach(NameResolver::shutdown);
    assertTrue(uncaught.isEmpty(), uncaught.toString());
  }

  @Test
  void publishesTheInstancesWithoutAServiceConfig() {
    directory.instances.put("echo", Arrays.asList(instance("a", 1001), instance("b", 1002)));
    Recorder recorder = start("polaris://echo", client(directory));
    Await.until(() -> recorder.results.size() == 1, "a result");
    NameResolver.ResolutionResult result = recorder.results.get(0);
    assertEquals(2, result.getAddresses().size());
    EquivalentAddressGroup first = result.getAddresses().get(0);
    assertEquals("a", first.getAttributes().get(PolarisAttributes.INSTANCE).getId());
    assertNull(result.getServiceConfig(), "the app's own service config must stay in force");
    assertEquals("echo", result.getAttributes().get(PolarisAttributes.TARGET).service());
  }

  @Test
  void publishesAgainOnlyWhenSomethingChanged() {
    Recorder recorder = new Recorder();
    PolarisNameResolver resolver = startOnOneInstance(recorder);
    Await.until(() -> recorder.results.size() == 1, "a result");
    resolver.refresh();
    Await.until(() -> directory.queries.get() >= 3, "a refresh and a periodic re-read");
    Await.until(() -> directory.queryThreads.size() >= 3, "the re-read done");
    assertEquals(1, recorder.results.size(), "nothing changed, nothing published");
    directory.instances.put("echo", Arrays.asList(instance("a", 1001), instance("b", 1002)));
    directory.changed("echo");
    Await.until(() -> recorder.results.size() == 2, "a second result after the change");
    assertEquals(2, recorder.results.get(1).getAddresses().size());
  }

  @Test
  void shutdownEndsTheWatch() {
    Recorder recorder = new Recorder();
    PolarisNameResolver resolver = startOnOneInstance(recorder);
    Await.until(
        () -> recorder.results.size() == 1 && directory.watchers.containsKey("echo"),
        "a result and a watch");
    resolver.shutdown();
    Await.until(() -> !directory.watchers.containsKey("echo"), "the watch ended");
  }

  @Test
  void serviceWithoutInstancesIsAnEmptyResultNotAnError() {
    directory.instances.put("echo", Collections.<Instance>emptyList());
    Recorder recorder = start("polaris://echo", client(directory));
    Await.until(() -> recorder.results.size() == 1, "a result");
    assertTrue(recorder.results.get(0).getAddresses().isEmpty());
    assertTrue(recorder.errors.isEmpty(), recorder.errors.toString());
  }

  @Test
  void failureBeforeAnyResultFailsCallsWithTheReason() {
    directory.failure = new IllegalStateException("server said no");
    Recorder recorder = start("polaris://echo", client(directory));
    Await.until(() -> !recorder.errors.isEmpty(), "an error");
    Status error = recorder.errors.get(0);
    assertEquals(Status.Code.UNAVAILABLE, error.getCode());
    assertTrue(
        error.getDescription().contains("service echo in namespace default")
            && error.getDescription().contains("server said no"),
        error.toString());
  }

  @Test
  void failureAfterAResultKeepsTheLastInstances() {
    directory.instances.put("echo", Collections.singletonList(instance("a", 1001)));
    Recorder recorder = start("polaris://echo", client(directory));
    Await.until(() -> recorder.results.size() == 1, "a result");
    directory.failure = new IllegalStateException("outage");
    int before = directory.queries.get();
    Await.until(() -> directory.queries.get() > before + 1, "two re-reads during the outage");
    assertTrue(
        recorder.errors.isEmpty(), "no error while last instances serve: " + recorder.errors);
  }

  @Test
  void aServiceThatBlocksDelaysNoOtherService() {
    directory.instances.put("fast", Collections.singletonList(instance("f", 1001)));
    directory.blocked.add("slow");
    ClientSide client = client(directory);
    Recorder slow = start("polaris://slow", client);
    Recorder fast = start("polaris://fast", client);
    Await.until(() -> fast.results.size() == 1, "the other service resolved while one is stuck");
    assertTrue(slow.results.isEmpty());
    directory.release.countDown();
  }

  @Test
  void startReturnsAtOnceAndNothingRunsOnTheCallersThread() {
    directory.blocked.add("echo");
    long start = System.nanoTime();
    start("polaris://echo", client(directory));
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1000, "start() blocked");
    directory.release.countDown();
    Await.until(() -> directory.queryThreads.size() == 1, "one query");
    assertTrue(
        directory.queryThreads.get(0).startsWith("polaris-agent-discovery"),
        directory.queryThreads.toString());
  }

  @Test
  void withoutPolarisCallsFailWithTheReason() {
    Recorder recorder = start("polaris://echo", client(null));
    Await.until(() -> !recorder.errors.isEmpty(), "an error");
    assertTrue(
        recorder.errors.get(0).getDescription().contains("Polaris is unavailable"),
        recorder.errors.toString());
  }

  private Recorder start(String target, ClientSide client) {
    Recorder recorder = new Recorder();
    resolver(target, client).start(recorder);
    return recorder;
  }

  /** Starts a resolver of polaris://echo, a service with the one instance a. */
  private PolarisNameResolver startOnOneInstance(Recorder recorder) {
    directory.instances.put("echo", Collections.singletonList(instance("a", 1001)));
    PolarisNameResolver resolver = resolver("polaris://echo", client(directory));
    resolver.start(recorder);
    return resolver;
  }

  /** A resolver of the target in namespace default, not started; shut down after the test. */
  private PolarisNameResolver resolver(String target, ClientSide client) {
    PolarisNameResolver resolver =
        new PolarisNameResolver(PolarisTarget.parse(target, "default"), args(), client);
    resolvers.add(resolver);
    return resolver;
  }

  private static ClientSide client(ServiceDirectory directory) {
    return new ClientSide(TestAgentContext.withoutSdk(null), directory);
  }

  private NameResolver.Args args() {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(
            new ProxyDetector() {
              @Override
              public io.grpc.ProxiedSocketAddress proxyFor(java.net.SocketAddress target) {
                return null;
              }
            })
        .setSynchronizationContext(syncContext)
        .setServiceConfigParser(
            new NameResolver.ServiceConfigParser() {
              @Override
              public NameResolver.ConfigOrError parseServiceConfig(
                  Map<String, ?> rawServiceConfig) {
                throw new AssertionError("the resolver must not parse a service config");
              }
            })
        .build();
  }

  private static Instance instance(String id, int port) {
    DefaultInstance instance = new DefaultInstance();
    instance.setId(id);
    instance.setHost("127.0.0.1");
    instance.setPort(port);
    instance.setWeight(100);
    instance.setHealthy(true);
    return instance;
  }

  /** Records what the resolver tells gRPC. */
  private static final class Recorder extends NameResolver.Listener2 {
    final List<NameResolver.ResolutionResult> results = new CopyOnWriteArrayList<>();
    final List<Status> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onResult(NameResolver.ResolutionResult result) {
      results.add(result);
    }

    @Override
    public void onError(Status error) {
      errors.add(error);
    }
  }

  /** Instances per service name; services can be made to fail or to block until released. */
  private static final class FakeDirectory implements ServiceDirectory {
    final Map<String, List<Instance>> instances = new ConcurrentHashMap<>();
    final List<String> blocked = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger queries = new AtomicInteger();
    final List<String> queryThreads = new CopyOnWriteArrayList<>();
    final Map<String, Runnable> watchers = new ConcurrentHashMap<>();
    volatile RuntimeException failure;

    @Override
    public List<Instance> instances(PolarisTarget target) {
      queries.incrementAndGet();
      queryThreads.add(Thread.currentThread().getName());
      if (blocked.contains(target.service())) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      RuntimeException current = failure;
      if (current != null) {
        throw current;
      }
      return instances.getOrDefault(target.service(), Collections.<Instance>emptyList());
    }

    @Override
    public RoutePlan routePlan(PolarisTarget target, List<Instance> list) {
      return RoutePlan.ALL;
    }

    @Override
    public Runnable watch(PolarisTarget target, Runnable onChange) {
      watchers.put(target.service(), onChange);
      return () -> watchers.remove(target.service());
    }

    void changed(String service) {
      watchers.get(service).run();
    }
  }
}
