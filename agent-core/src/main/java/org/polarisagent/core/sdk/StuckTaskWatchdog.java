package org.polarisagent.core.sdk;

import com.tencent.polaris.api.plugin.server.ServerConnector;
import com.tencent.polaris.client.api.SDKContext;
import com.tencent.polaris.plugins.connector.common.DestroyableServerConnector;
import com.tencent.polaris.plugins.connector.common.ServiceUpdateTask;
import com.tencent.polaris.plugins.connector.common.constant.ServiceUpdateTaskConstant;
import com.tencent.polaris.plugins.connector.composite.CompositeConnector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.polarisagent.core.logging.AgentLog;

/**
 * Works around a defect of the Polaris SDK (2.1.0.0): when a discovery stream fails while it is
 * being created, typically as the Polaris server goes away or comes back, the SDK logs "fail to run
 * discover task" and leaves that task RUNNING forever, so the service's instances or rules are
 * never refreshed again.
 *
 * <p>Every {@link #PERIOD_SECONDS} seconds this looks at the SDK's long-running update tasks; one
 * that was RUNNING with no update at the previous look and still is now is retried. Uses reflection
 * on SDK internals; if they change, it logs once and stops. Confined to the scheduler thread that
 * runs it.
 */
final class StuckTaskWatchdog implements Runnable {

  static final long PERIOD_SECONDS = 10;

  private final SDKContext context;
  private Map<ServiceUpdateTask, Long> runningAtLastLook = new IdentityHashMap<>();
  private boolean broken;

  StuckTaskWatchdog(SDKContext context) {
    this.context = context;
  }

  @Override
  public void run() {
    if (broken) {
      return;
    }
    try {
      Map<ServiceUpdateTask, Long> runningNow = new IdentityHashMap<>();
      for (DestroyableServerConnector connector :
          connectors(context.getExtensions().getServerConnector())) {
        for (ServiceUpdateTask task : tasks(connector)) {
          if (task.getTaskType() != ServiceUpdateTaskConstant.Type.LONG_RUNNING
              || task.getTaskStatus() != ServiceUpdateTaskConstant.Status.RUNNING) {
            continue;
          }
          long lastUpdate = lastUpdateTime(task);
          Long before = runningAtLastLook.get(task);
          if (before != null && before == lastUpdate) {
            AgentLog.debug("retrying stuck Polaris SDK task " + task.getServiceEventKey());
            task.retry();
          } else {
            runningNow.put(task, lastUpdate);
          }
        }
      }
      runningAtLastLook = runningNow;
    } catch (ReflectiveOperationException | RuntimeException e) {
      broken = true;
      AgentLog.debug("Polaris SDK task watchdog stopped: " + e);
    }
  }

  private static List<DestroyableServerConnector> connectors(ServerConnector root) {
    List<DestroyableServerConnector> connectors = new ArrayList<>();
    if (root instanceof CompositeConnector) {
      connectors.addAll(((CompositeConnector) root).getServerConnectors());
    } else if (root instanceof DestroyableServerConnector) {
      connectors.add((DestroyableServerConnector) root);
    }
    return connectors;
  }

  @SuppressWarnings("unchecked")
  private static Collection<ServiceUpdateTask> tasks(DestroyableServerConnector connector)
      throws ReflectiveOperationException {
    Field field = DestroyableServerConnector.class.getDeclaredField("updateTaskSet");
    field.setAccessible(true);
    return new ArrayList<>(((Map<?, ServiceUpdateTask>) field.get(connector)).values());
  }

  private static long lastUpdateTime(ServiceUpdateTask task) throws ReflectiveOperationException {
    Field field = ServiceUpdateTask.class.getDeclaredField("lastUpdateTime");
    field.setAccessible(true);
    return ((AtomicLong) field.get(task)).get();
  }
}
