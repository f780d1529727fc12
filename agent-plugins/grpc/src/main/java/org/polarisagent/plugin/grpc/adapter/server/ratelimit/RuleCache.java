package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import com.tencent.polaris.api.pojo.ServiceRule;
import com.tencent.polaris.specification.api.v1.traffic.manage.RateLimitProto.RateLimit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.polarisagent.core.logging.AgentLog;

/**
 * The rate-limit rules of the services this application's calls count for, as {@link ServiceRules}
 * that a call reads without waiting.
 *
 * <p>A service is watched from its first call (or earlier, see {@link #watch}): its rules are
 * fetched at once on the background executor, then re-read by {@link #refreshAll()} (every second
 * in the agent) from the SDK, which itself keeps them fresh from the server. Until the first fetch
 * has answered, the rules of a service are unknown (null) and its calls pass. A failed fetch keeps
 * what was known. Thread-safe.
 */
final class RuleCache implements Runnable {

  /** Bound on watched services: a server with a fallback registry may see any service name. */
  static final int MAX_SERVICES = 1000;

  private final RateLimitSdk sdk;
  private final String namespace;
  private final Executor fetcher;
  private final ConcurrentHashMap<String, Watched> services = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean fetchFailureLogged = new AtomicBoolean();

  /** One watched service and its rules as last read; null until the first read. */
  static final class Watched {
    final String service;
    volatile ServiceRules rules;

    Watched(String service) {
      this.service = service;
    }
  }

  /**
   * @param fetcher runs first fetches, off the calls' threads
   */
  RuleCache(RateLimitSdk sdk, String namespace, Executor fetcher) {
    this.sdk = sdk;
    this.namespace = namespace;
    this.fetcher = fetcher;
  }

  /**
   * The entry of a service, watching it from now on (its first fetch is scheduled, not awaited);
   * null when {@link #MAX_SERVICES} are watched already.
   */
  Watched watch(String service) {
    Watched watched = services.get(service);
    if (watched != null) {
      return watched;
    }
    if (services.size() >= MAX_SERVICES) {
      return null;
    }
    Watched created = new Watched(service);
    watched = services.putIfAbsent(service, created);
    if (watched != null) {
      return watched;
    }
    try {
      fetcher.execute(() -> refresh(created));
    } catch (RuntimeException rejected) {
      // The next periodic refresh reads it.
    }
    return created;
  }

  /**
   * Reads the rules of every watched service again: the periodic task, held by the agent's thread
   * weakly.
   */
  @Override
  public void run() {
    refreshAll();
  }

  /** Reads the rules of every watched service again. */
  void refreshAll() {
    for (Watched watched : services.values()) {
      refresh(watched);
    }
  }

  void refresh(Watched watched) {
    try {
      if (!sdk.ready()) {
        return;
      }
      ServiceRule rule = sdk.rules(namespace, watched.service);
      if (rule != null && !rule.isInitialized()) {
        return;
      }
      ServiceRules known = watched.rules;
      String revision = rule == null ? null : rule.getRevision();
      if (known != null && revision != null && revision.equals(known.revision)) {
        return;
      }
      Object proto = rule == null ? null : rule.getRule();
      ServiceRules read =
          ServiceRules.of(
              revision, proto instanceof RateLimit ? (RateLimit) proto : null, watched.service);
      for (String problem : read.problems) {
        if (warned.add(problem)) {
          AgentLog.warn(problem);
        }
      }
      if (!read.descriptions.equals(
          known == null ? ServiceRules.NONE.descriptions : known.descriptions)) {
        AgentLog.info(
            "rate limiting of calls to "
                + namespace
                + "/"
                + watched.service
                + ": "
                + (read.limited()
                    ? "Polaris rules " + read.descriptions + " in force"
                    : "no Polaris rule in force"));
      }
      watched.rules = read;
    } catch (Throwable t) {
      if (watched.rules == null && fetchFailureLogged.compareAndSet(false, true)) {
        AgentLog.warn(
            "cannot read the Polaris rate-limit rules of "
                + namespace
                + "/"
                + watched.service
                + " ("
                + t
                + "); its calls pass unchecked until Polaris answers");
      } else {
        AgentLog.debug(
            "cannot read the Polaris rate-limit rules of " + watched.service + " again: " + t);
      }
    }
  }
}
