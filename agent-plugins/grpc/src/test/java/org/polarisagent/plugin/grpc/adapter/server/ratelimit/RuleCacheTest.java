package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.exact;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.rateLimit;
import static org.polarisagent.plugin.grpc.adapter.server.ratelimit.TestRules.serviceRule;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleCacheTest {

  private final FakeRateLimitSdk sdk = new FakeRateLimitSdk();
  private final List<Runnable> background = new ArrayList<>();
  private final RuleCache cache = new RuleCache(sdk, "ns", background::add);

  private void runBackground() {
    List<Runnable> tasks = new ArrayList<>(background);
    background.clear();
    tasks.forEach(Runnable::run);
  }

  @Test
  void aNewServiceIsFetchedInTheBackgroundAndUnknownUntilThen() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("a", "/echo.Echo/Echo", 5))));
    RuleCache.Watched watched = cache.watch("svc");
    assertEquals(0, sdk.ruleReads.get(), "the caller's thread never fetches");
    assertNull(watched.rules);
    assertSame(watched, cache.watch("svc"));
    runBackground();
    assertTrue(watched.rules.limited());
    assertEquals(1, sdk.ruleReads.get());
    assertTrue(background.isEmpty(), "a known service is not fetched again on watch");
  }

  @Test
  void refreshFollowsNewRevisionsAndKeepsTheSnapshotOtherwise() {
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("a", "/echo.Echo/Echo", 5))));
    RuleCache.Watched watched = cache.watch("svc");
    runBackground();
    ServiceRules first = watched.rules;
    cache.refreshAll();
    assertSame(first, watched.rules);

    sdk.rules.put("ns/svc", serviceRule("r2", rateLimit()));
    cache.refreshAll();
    assertNotSame(first, watched.rules);
    assertFalse(watched.rules.limited(), "all rules deleted");
  }

  @Test
  void nothingIsFetchedBeforeTheSdkRunsAndAFailedFetchKeepsWhatWasKnown() {
    sdk.ready = false;
    RuleCache.Watched watched = cache.watch("svc");
    runBackground();
    assertEquals(0, sdk.ruleReads.get());
    assertNull(watched.rules);

    sdk.ready = true;
    sdk.rules.put("ns/svc", serviceRule("r1", rateLimit(exact("a", "/echo.Echo/Echo", 5))));
    cache.refreshAll();
    assertTrue(watched.rules.limited());

    sdk.rulesFailure = new IllegalStateException("server down");
    cache.refreshAll();
    assertTrue(watched.rules.limited());
  }

  @Test
  void aServiceWithoutRulesIsKnownToHaveNone() {
    RuleCache.Watched watched = cache.watch("svc");
    runBackground();
    assertSame(ServiceRules.NONE, watched.rules);
  }

  @Test
  void theNumberOfWatchedServicesIsBounded() {
    for (int i = 0; i < RuleCache.MAX_SERVICES; i++) {
      assertTrue(cache.watch("svc" + i) != null);
    }
    assertNull(cache.watch("one-too-many"));
    assertTrue(cache.watch("svc0") != null);
  }
}
