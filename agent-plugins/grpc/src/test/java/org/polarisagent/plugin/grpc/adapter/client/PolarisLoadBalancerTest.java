package org.polarisagent.plugin.grpc.adapter.client;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.api.pojo.DefaultInstance;
import com.tencent.polaris.api.pojo.DefaultServiceInstances;
import com.tencent.polaris.api.pojo.Instance;
import com.tencent.polaris.api.pojo.ServiceInstances;
import com.tencent.polaris.api.pojo.ServiceKey;
import io.grpc.ClientStreamTracer;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.polarisagent.core.metrics.AgentMetrics;
import org.polarisagent.plugin.grpc.PolarisTarget;
import org.polarisagent.plugin.grpc.TestAgentContext;
import org.polarisagent.plugin.grpc.adapter.TextMethods;
import org.polarisagent.plugin.grpc.balance.WarmUp;

/**
 * The Polaris balancer against a fake {@link LoadBalancer.Helper}: which state and picker it
 * publishes as instances come, connect, fail and go, in the style of gRPC's own balancer tests.
 */
class PolarisLoadBalancerTest {

  private static final PolarisTarget TARGET = PolarisTarget.parse("polaris://echo", "default");
  private static final MethodDescriptor<String, String> METHOD =
      TextMethods.method("echo.Echo/Echo", MethodDescriptor.MethodType.UNARY);

  private final List<Throwable> uncaught = new ArrayList<>();
  private final SynchronizationContext syncContext =
      new SynchronizationContext((thread, error) -> uncaught.add(error));
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final FakeHelper helper = new FakeHelper(syncContext, timer);
  private PolarisLoadBalancer balancer = newBalancer("round_robin");

  @AfterEach
  void noUncaughtErrors() {
    timer.shutdownNow();
    assertTrue(uncaught.isEmpty(), uncaught.toString());
  }

  private PolarisLoadBalancer newBalancer(String policy, String... propertyPairs) {
    Properties properties = new Properties();
    properties.setProperty("polaris.loadbalancer", policy);
    for (int i = 0; i + 1 < propertyPairs.length; i += 2) {
      properties.setProperty(propertyPairs[i], propertyPairs[i + 1]);
    }
    return new PolarisLoadBalancer(
        helper, new ClientSide(TestAgentContext.withoutSdk(null, properties)));
  }

  @Test
  void noInstanceFailsCallsAtOnceNamingTheService() {
    resolve();
    assertEquals(TRANSIENT_FAILURE, helper.state);
    Status status = pick().getStatus();
    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    assertTrue(
        status.getDescription().contains("no instance of service echo in namespace default"),
        status.toString());
  }

  /** Instances a (port 1001) and b (1002) resolved, each with its subchannel, none READY yet. */
  @Nested
  class TwoInstances {
    private FakeSubchannel a;
    private FakeSubchannel b;

    @BeforeEach
    void resolveBoth() {
      resolve(instance("a", 1001), instance("b", 1002));
      a = helper.subchannels.get(0);
      b = helper.subchannels.get(1);
    }

    @Test
    void connectsEveryInstanceAndBalancesOverTheReadyOnes() {
      assertEquals(2, helper.subchannels.size());
      for (FakeSubchannel subchannel : helper.subchannels) {
        assertTrue(subchannel.connectionRequested, "eager connection");
      }
      assertEquals(CONNECTING, helper.state, "nothing READY yet: calls wait");
      assertNull(pick().getSubchannel());

      a.set(READY);
      b.set(READY);
      assertEquals(READY, helper.state);
      Map<LoadBalancer.Subchannel, Integer> picks = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        picks.merge(pick().getSubchannel(), 1, Integer::sum);
      }
      assertEquals(2, picks.size(), picks.toString());
      picks.values().forEach(count -> assertEquals(5, count, "round robin: " + picks));
    }

    @Test
    void allInstancesFailingFailsCallsFastUntilOneIsReadyAgain() {
      a.fail();
      b.fail();
      assertEquals(TRANSIENT_FAILURE, helper.state);
      assertEquals(Status.Code.UNAVAILABLE, pick().getStatus().getCode());
      int published = helper.updates;

      // gRPC retries the connections: CONNECTING again must not make calls wait.
      a.set(CONNECTING);
      b.set(IDLE);
      assertTrue(b.connectionRequested);
      assertEquals(published, helper.updates, "no new picker while still failing");
      assertEquals(TRANSIENT_FAILURE, helper.state);
      assertFalse(pick().getStatus().isOk(), "calls still fail fast");

      b.set(READY);
      assertEquals(READY, helper.state);
      assertSame(b, pick().getSubchannel());
    }

    @Test
    void readyInstanceKeepsServingWhileAnotherFails() {
      a.set(READY);
      b.fail();
      assertEquals(READY, helper.state);
      for (int i = 0; i < 5; i++) {
        assertSame(a, pick().getSubchannel());
      }
    }

    @Test
    void removedInstanceIsShutDownAndUnchangedOnesKeepTheirSubchannel() {
      a.set(READY);
      b.set(READY);
      resolve(instance("a", 1001));
      assertTrue(b.shutdown);
      assertFalse(a.shutdown);
      assertEquals(2, helper.subchannels.size(), "no new subchannel for an unchanged instance");
      assertSame(a, pick().getSubchannel());
    }
  }

  @Test
  void withMetricsOnAnInstanceTheBalancerDropsLosesItsSeriesAndAShutDownChannelShowsNothing() {
    AgentMetrics metrics = new AgentMetrics(100);
    Properties roundRobin = new Properties();
    roundRobin.setProperty("polaris.loadbalancer", "round_robin");
    balancer =
        new PolarisLoadBalancer(
            helper, new ClientSide(TestAgentContext.withoutSdk(null, roundRobin, metrics)));
    resolve(instance("a", 1001), instance("b", 1002));
    helper.subchannels.get(0).set(READY);
    helper.subchannels.get(1).set(READY);
    assertEquals(READY, helper.state, "both instances READY: no grace to wait for");
    for (int i = 0; i < 4; i++) {
      end(pick()); // round robin: two calls on each
    }
    String calls =
        "polaris_agent_calls_total{dest_namespace=\"default\",dest_service=\"echo\","
            + "dest_instance=\"127.0.0.1:";
    String instances = "polaris_agent_instances{dest_namespace=\"default\",dest_service=\"echo\"} ";
    String before = metrics.scrape();
    assertTrue(
        before.contains(calls + "1001\",method=\"/echo.Echo/Echo\",code=\"OK\"} 2\n"), before);
    assertTrue(
        before.contains(calls + "1002\",method=\"/echo.Echo/Echo\",code=\"OK\"} 2\n"), before);
    assertTrue(before.contains(instances + "2\n"), before);

    resolve(instance("a", 1001));
    String after = metrics.scrape();
    assertTrue(after.contains(calls + "1001\""), after);
    assertFalse(after.contains("127.0.0.1:1002"), after);
    assertTrue(after.contains(instances + "1\n"), after);

    syncContext.execute(balancer::shutdown);
    String shutDown = metrics.scrape();
    assertFalse(shutDown.contains(calls), shutDown);
    assertFalse(shutDown.contains("polaris_agent_instances{"), shutDown);
  }

  private static void end(LoadBalancer.PickResult result) {
    result
        .getStreamTracerFactory()
        .newClientStreamTracer(ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata())
        .streamClosed(Status.OK);
  }

  @Test
  void duplicateAddressesGetOneSubchannel() {
    resolve(instance("a", 1001), instance("a2", 1001));
    assertEquals(1, helper.subchannels.size());
  }

  @Test
  void instanceOfWeightZeroGetsNoCallsWhateverThePolicy() {
    for (String policy : new String[] {"weighted_random", "round_robin", "ring_hash", "maglev"}) {
      helper.subchannels.clear();
      balancer = newBalancer(policy);
      resolve(instance("a", 1001, 100), instance("b", 1002, 0));
      FakeSubchannel a = helper.subchannels.get(0);
      helper.subchannels.get(0).set(READY);
      helper.subchannels.get(1).set(READY);
      for (int i = 0; i < 50; i++) {
        assertSame(a, pick().getSubchannel(), policy);
      }
    }
  }

  @Test
  void newInstanceWarmsUpStepByStepAndTheStepsStopOnceItIsWarm() throws InterruptedException {
    // An 8 s window: the first picks stay well below a fair share even if this thread stalls for 2
    // s
    // (a loaded machine) between the instance's creation and the picks.
    balancer = newBalancer("round_robin", "polaris.loadbalancer.warmup", "8s");
    resolve(instance("old", 1001), createdAgo(instance("new", 1002), 300));
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    FakeSubchannel fresh = helper.subchannels.get(1);
    assertTrue(callsTo(fresh, 230) < 60, "a third of a turn or less at first");

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    int before = helper.updates;
    while (callsTo(fresh, 200) != 100) {
      assertTrue(System.nanoTime() < deadline, "no even share within 20 s");
      Thread.sleep(20);
    }
    assertTrue(helper.updates >= before + 2, "a new picker per step: " + helper.updates);
    awaitNoTimer();
  }

  @Test
  void withoutWarmUpANewInstanceGetsItsShareAtOnceAndNoStepIsScheduled()
      throws InterruptedException {
    resolve(instance("old", 1001), createdAgo(instance("new", 1002), 0));
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    assertEquals(100, callsTo(helper.subchannels.get(1), 200));
    awaitNoTimer();
  }

  @Test
  void instanceCreatedInTheFutureOrAtAnUnknownTimeIsWarm() throws InterruptedException {
    balancer = newBalancer("round_robin", "polaris.loadbalancer.warmup", "60s");
    Instance future = createdAgo(instance("future", 1002), -3_600_000);
    resolve(instance("unknown", 1001), future);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    assertEquals(100, callsTo(helper.subchannels.get(1), 200));
    awaitNoTimer();
  }

  /**
   * Waits until the balancer has no timer left (the first-connections grace ends after 1 s), which
   * a balancer that keeps stepping never reaches.
   */
  private void awaitNoTimer() throws InterruptedException {
    long deadline =
        System.nanoTime()
            + TimeUnit.MILLISECONDS.toNanos(FirstConnections.GRACE_MILLIS + 4 * WarmUp.STEP_MILLIS);
    while (!timer.getQueue().isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "the balancer keeps a timer: " + timer.getQueue());
      Thread.sleep(20);
    }
  }

  @Test
  void hashPoliciesIgnoreWarmUp() throws InterruptedException {
    for (String policy : new String[] {"ring_hash", "maglev"}) {
      Map<String, Integer> withoutWarmUp = portsByUser(policy, "0");
      assertEquals(withoutWarmUp, portsByUser(policy, "60s"), policy + ": keys moved");
      assertTrue(withoutWarmUp.containsValue(1002), policy + ": the new instance has keys");
      awaitNoTimer();
    }
  }

  /** Where 200 users' calls go over an old instance (port 1001) and a new one (1002). */
  private Map<String, Integer> portsByUser(String policy, String warmUp) {
    helper.subchannels.clear();
    balancer =
        newBalancer(
            policy,
            "polaris.loadbalancer.hash-header",
            "x-user",
            "polaris.loadbalancer.warmup",
            warmUp);
    resolve(instance("old", 1001), createdAgo(instance("new", 1002), 0));
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    Map<String, Integer> ports = new HashMap<>();
    for (int user = 0; user < 200; user++) {
      LoadBalancer.Subchannel subchannel = pick("x-user", "u" + user).getSubchannel();
      ports.put("u" + user, subchannel == helper.subchannels.get(0) ? 1001 : 1002);
    }
    return ports;
  }

  /** How many of {@code picks} picks went to the subchannel. */
  private int callsTo(FakeSubchannel subchannel, int picks) {
    int calls = 0;
    for (int i = 0; i < picks; i++) {
      calls += pick().getSubchannel() == subchannel ? 1 : 0;
    }
    return calls;
  }

  private static Instance createdAgo(Instance instance, long millis) {
    ((DefaultInstance) instance).setCreateTime(System.currentTimeMillis() - millis);
    return instance;
  }

  @Test
  void resolutionErrorKeepsAReadyChannelServing() {
    resolve(instance("a", 1001));
    helper.subchannels.get(0).set(READY);
    syncContext.execute(
        () -> balancer.handleNameResolutionError(Status.UNAVAILABLE.withDescription("outage")));
    assertEquals(READY, helper.state);
    assertNotNull(pick().getSubchannel());
  }

  @Test
  void resolutionErrorBeforeAnyInstanceFailsCallsWithIt() {
    syncContext.execute(
        () -> balancer.handleNameResolutionError(Status.UNAVAILABLE.withDescription("outage")));
    assertEquals(TRANSIENT_FAILURE, helper.state);
    assertEquals("outage", pick().getStatus().getDescription());
  }

  @Test
  void roundRobinHoldsOverTheInstancesTheRulesAllow() {
    Instance a = instance("a", 1001);
    Instance b = instance("b", 1002);
    Instance c = instance("c", 1003);
    resolve(perCall(a, b, c), a, b, c);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    Map<LoadBalancer.Subchannel, Integer> picks = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      picks.merge(pick("x-exclude", "c").getSubchannel(), 1, Integer::sum);
    }
    assertEquals(Arrays.asList(5, 5), new ArrayList<>(picks.values()), picks.toString());
    assertFalse(picks.containsKey(helper.subchannels.get(2)), "c is routed away");
  }

  @Test
  void ringHashKeepsAKeyOnItsInstanceWhateverTheRulesLeaveAroundIt() {
    balancer = newBalancer("ring_hash", "polaris.loadbalancer.hash-header", "x-user");
    Instance a = instance("a", 1001);
    Instance b = instance("b", 1002);
    Instance c = instance("c", 1003);
    resolve(perCall(a, b, c), a, b, c);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    FakeSubchannel excluded = helper.subchannels.get(2);
    int moved = 0;
    int kept = 0;
    for (int user = 0; user < 200; user++) {
      LoadBalancer.Subchannel everywhere = pick("x-user", "u" + user).getSubchannel();
      LoadBalancer.Subchannel routed = pick("x-user", "u" + user, "x-exclude", "c").getSubchannel();
      assertSame(everywhere, pick("x-user", "u" + user).getSubchannel(), "a key is stable");
      if (everywhere != excluded) {
        assertSame(
            everywhere, routed, "user u" + user + " moved although its instance is still allowed");
        kept++;
      } else {
        moved++;
      }
    }
    assertTrue(
        kept > 100 && moved > 20, "keys spread over the ring: kept " + kept + ", moved " + moved);
  }

  @Test
  void aBurstOfConnectionChangesPublishesOnePicker() {
    Instance[] instances = new Instance[200];
    for (int i = 0; i < instances.length; i++) {
      instances[i] = instance("i" + i, 2000 + i);
    }
    resolve(instances);
    int before = helper.updates;
    syncContext.execute(() -> helper.subchannels.forEach(subchannel -> subchannel.set(READY)));
    assertEquals(READY, helper.state);
    assertEquals(before + 1, helper.updates, "one picker for 200 instances that became READY");
    Map<LoadBalancer.Subchannel, Integer> picks = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      picks.merge(pick().getSubchannel(), 1, Integer::sum);
    }
    assertEquals(200, picks.size(), "every instance in the picker");
  }

  @Test
  void aLargeServiceDoesNotHoldCallsUntilEveryInstanceTriedToConnect() {
    Instance[] instances = new Instance[FirstConnections.MAX_AWAITED + 2];
    for (int i = 0; i < instances.length; i++) {
      instances[i] = instance("i" + i, 6000 + i);
    }
    resolve(instances);
    helper.subchannels.get(0).set(READY);
    assertEquals(READY, helper.state, "the one READY instance takes calls at once");
    assertSame(helper.subchannels.get(0), pick().getSubchannel());
  }

  @Test
  void hashPoliciesMoveOnlyTheKeysOfAnInstanceThatLostItsConnection() {
    for (String policy : new String[] {"ring_hash", "maglev"}) {
      helper.subchannels.clear();
      balancer = newBalancer(policy, "polaris.loadbalancer.hash-header", "x-user");
      Instance[] instances = new Instance[10];
      for (int i = 0; i < instances.length; i++) {
        instances[i] = instance("i" + i, 3000 + i);
      }
      resolve(instances);
      // All at once: no first-connections grace, whose timer would publish from its own thread.
      syncContext.execute(() -> helper.subchannels.forEach(subchannel -> subchannel.set(READY)));
      List<LoadBalancer.Subchannel> before = new ArrayList<>();
      for (int user = 0; user < 1000; user++) {
        before.add(pick("x-user", "u" + user).getSubchannel());
      }
      FakeSubchannel lost = helper.subchannels.get(3);
      lost.fail();
      int moved = 0;
      for (int user = 0; user < 1000; user++) {
        LoadBalancer.Subchannel now = pick("x-user", "u" + user).getSubchannel();
        assertNotSame(lost, now, policy);
        if (before.get(user) != lost) {
          assertSame(before.get(user), now, policy + ": user u" + user + " moved");
        } else {
          moved++;
        }
      }
      assertTrue(moved > 30, policy + ": the lost instance had keys: " + moved);
      lost.set(READY);
      for (int user = 0; user < 1000; user++) {
        assertSame(before.get(user), pick("x-user", "u" + user).getSubchannel(), policy);
      }
      balancer.shutdown();
    }
  }

  @Test
  void withSubsettingAChannelConnectsToItsSubsetOfTheInstancesTheRoutingAllows() {
    balancer = newBalancer("round_robin", "polaris.loadbalancer.subset-size", "5");
    Instance[] instances = new Instance[20];
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < instances.length; i++) {
      instances[i] = instance("i" + i, 4000 + i);
      ids.add("i" + i);
    }
    resolve(instances);
    assertEquals(5, helper.subchannels.size(), "a subset of 5 of 20");
    FakeSubchannel first = helper.subchannels.get(0);
    int firstPort = ((InetSocketAddress) first.getAddresses().getAddresses().get(0)).getPort();
    ids.remove("i" + (firstPort - 4000));
    resolve(RoutePlan.fixed(ids), instances);
    assertTrue(first.shutdown, "an instance routed away leaves the subset");
    assertEquals(6, helper.subchannels.size(), "and the next one takes its place");
    assertEquals(5, open().size(), "still 5");

    resolve(perCall(instances), instances);
    assertEquals(20, open().size(), "rules that read each call: every instance is connected");
  }

  @Test
  void aSubsetGoesOnPastInstancesItCannotReachAndTakesThemBackWhenTheyWork() {
    balancer = newBalancer("round_robin", "polaris.loadbalancer.subset-size", "3");
    Instance[] instances = new Instance[12];
    for (int i = 0; i < instances.length; i++) {
      instances[i] = instance("i" + i, 5000 + i);
    }
    resolve(instances);
    List<FakeSubchannel> subset = new ArrayList<>(helper.subchannels);
    assertEquals(3, subset.size());
    syncContext.execute(
        () -> {
          subset.get(0).set(READY);
          subset.get(1).fail();
          subset.get(2).fail();
        });
    List<FakeSubchannel> open = open();
    assertEquals(5, open.size(), "two more instances for the two unreachable ones");
    assertTrue(open.containsAll(subset), "the unreachable ones stay connected");
    syncContext.execute(() -> open.forEach(s -> s.set(READY)));
    assertEquals(subset, open(), "back to its subset once they work again");
  }

  private List<FakeSubchannel> open() {
    List<FakeSubchannel> open = new ArrayList<>();
    for (FakeSubchannel subchannel : helper.subchannels) {
      if (!subchannel.shutdown) {
        open.add(subchannel);
      }
    }
    return open;
  }

  /** Calls of the router of {@link #perCall}. */
  private final AtomicInteger routings = new AtomicInteger();

  /**
   * A plan that routes each call to every instance but those named by its x-exclude header, with
   * rules that read that header.
   */
  private RoutePlan perCall(Instance... instances) {
    return perCall(
        new RouteRules(true, Collections.singletonList("x-exclude"), false, "r1"), instances);
  }

  private RoutePlan perCall(RouteRules rules, Instance... instances) {
    ServiceInstances all =
        new DefaultServiceInstances(new ServiceKey("default", "echo"), Arrays.asList(instances));
    return RoutePlan.perCall(
        all,
        (candidates, method, headers) -> {
          routings.incrementAndGet();
          String excluded =
              headers.get(Metadata.Key.of("x-exclude", Metadata.ASCII_STRING_MARSHALLER));
          List<Instance> allowed = new ArrayList<>();
          for (Instance instance : candidates.getInstances()) {
            if (!instance.getId().equals(excluded)) {
              allowed.add(instance);
            }
          }
          return allowed;
        },
        rules);
  }

  @Test
  void aRoutingResultServesTheCallsTheRulesCannotTellApart() {
    Instance a = instance("a", 1001);
    Instance b = instance("b", 1002);
    resolve(perCall(a, b), a, b);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    FakeSubchannel onlyB = helper.subchannels.get(1);
    for (int i = 0; i < 20; i++) {
      assertSame(onlyB, pick("x-exclude", "a", "x-trace", "t" + i).getSubchannel());
    }
    assertEquals(1, routings.get(), "a header the rules do not read does not route again");
    assertSame(helper.subchannels.get(0), pick("x-exclude", "b").getSubchannel());
    assertEquals(2, routings.get(), "another value of a header the rules read is routed");
    pick();
    assertEquals(3, routings.get(), "a call without the header is routed on its own");
    assertSame(onlyB, pick("x-exclude", "a").getSubchannel());
    assertEquals(3, routings.get());
  }

  @Test
  void aCallThatNoInstanceMatchesFailsAgainWithoutRoutingAgain() {
    Instance a = instance("a", 1001);
    resolve(perCall(a), a);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    for (int i = 0; i < 3; i++) {
      LoadBalancer.PickResult result = pick("x-exclude", "a");
      assertEquals(Status.Code.UNAVAILABLE, result.getStatus().getCode());
      assertTrue(result.getStatus().getDescription().contains("matches the routing rules"));
    }
    assertEquals(1, routings.get());
  }

  @Test
  void rulesThatChooseByWeightRouteEveryCall() {
    Instance a = instance("a", 1001);
    Instance b = instance("b", 1002);
    resolve(
        perCall(new RouteRules(true, Collections.singletonList("x-exclude"), true, "r1"), a, b),
        a,
        b);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    for (int i = 0; i < 5; i++) {
      pick("x-exclude", "a");
    }
    assertEquals(5, routings.get());
  }

  @Test
  void aRoutingResultIsUsedForASecondAtMost() throws InterruptedException {
    Instance a = instance("a", 1001);
    Instance b = instance("b", 1002);
    resolve(perCall(a, b), a, b);
    helper.subchannels.forEach(subchannel -> subchannel.set(READY));
    long before = System.nanoTime();
    pick("x-exclude", "a");
    long after = System.nanoTime();
    while (routings.get() == 1 && System.nanoTime() - after < TimeUnit.SECONDS.toNanos(5)) {
      Thread.sleep(20);
      pick("x-exclude", "a");
    }
    long routedAgain = System.nanoTime();
    assertEquals(2, routings.get(), "the call was routed again");
    assertTrue(
        routedAgain - before >= PolarisPicker.Balancing.ROUTE_REUSE_NANOS,
        "routed again after " + (routedAgain - before) + " ns only");
    assertTrue(
        after - before < TimeUnit.MILLISECONDS.toNanos(500)
            && routedAgain - after
                < PolarisPicker.Balancing.ROUTE_REUSE_NANOS + TimeUnit.MILLISECONDS.toNanos(500),
        "a result serves about a second: routed again "
            + (routedAgain - after)
            + " ns after the first routing");
  }

  private void resolve(Instance... instances) {
    resolve(RoutePlan.ALL, instances);
  }

  private void resolve(RoutePlan plan, Instance... instances) {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Instance instance : instances) {
      groups.add(
          new EquivalentAddressGroup(
              new InetSocketAddress("127.0.0.1", instance.getPort()),
              PolarisAttributes.ofInstance(instance)));
    }
    LoadBalancer.ResolvedAddresses resolved =
        LoadBalancer.ResolvedAddresses.newBuilder()
            .setAddresses(groups)
            .setAttributes(PolarisAttributes.ofResult(TARGET, plan))
            .build();
    syncContext.execute(() -> balancer.handleResolvedAddresses(resolved));
  }

  private static Instance instance(String id, int port) {
    return instance(id, port, 100);
  }

  private static Instance instance(String id, int port, int weight) {
    DefaultInstance instance = new DefaultInstance();
    instance.setId(id);
    instance.setHost("127.0.0.1");
    instance.setPort(port);
    instance.setWeight(weight);
    instance.setHealthy(true);
    return instance;
  }

  private LoadBalancer.PickResult pick(String... headerPairs) {
    Metadata headers = new Metadata();
    for (int i = 0; i + 1 < headerPairs.length; i += 2) {
      headers.put(
          Metadata.Key.of(headerPairs[i], Metadata.ASCII_STRING_MARSHALLER), headerPairs[i + 1]);
    }
    return helper.picker.pickSubchannel(new PickArgs(METHOD, headers));
  }
}
