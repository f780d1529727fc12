package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.polarisagent.plugin.grpc.CapturedStderr;

class ServiceContractTest extends ServerLifecycleFixture {

  private static final List<String> SERVICES =
      Arrays.asList("echo.Echo", "shop.Cart", "grpc.health.v1.Health");
  private static final List<String> METHODS =
      Arrays.asList(
          "echo.Echo/Echo",
          "echo.Echo/EchoStream",
          "shop.Cart/Add",
          "grpc.health.v1.Health/Check",
          "grpc.health.v1.Health/Watch");

  @RegisterExtension final CapturedStderr log = new CapturedStderr();

  @Test
  void eachGrpcServiceIsTheContractOfTheServiceOfItsName() {
    List<ServiceContract> contracts =
        ServiceContract.of(settings(""), Arrays.asList("echo.Echo", "shop.Cart"), METHODS);
    assertEquals(
        "[echo.Echo [echo.Echo/Echo, echo.Echo/EchoStream], shop.Cart [shop.Cart/Add]]",
        contracts.toString());
    assertEquals("default", contracts.get(0).namespace);
  }

  @Test
  void theConfiguredServiceHasEveryBusinessMethodAndNoInfrastructureOne() {
    List<ServiceContract> contracts =
        ServiceContract.of(
            settings("polaris.service=shop,polaris.namespace=test"),
            Collections.singletonList("shop"),
            METHODS);
    assertEquals(
        "[shop [echo.Echo/Echo, echo.Echo/EchoStream, shop.Cart/Add]]", contracts.toString());
    assertEquals("test", contracts.get(0).namespace);
  }

  @Test
  void aServiceWithNoKnownMethodHasNoContract() {
    assertEquals(
        Collections.emptyList(),
        ServiceContract.of(
            settings("polaris.service=shop"),
            Collections.singletonList("shop"),
            Collections.<String>emptyList()));
  }

  @Test
  void reportedOnceAfterTheRegistrationSucceeded() {
    registrar.failuresLeft = 1;
    ServerLifecycle lifecycle = lifecycle("", registrar, departing);
    lifecycle.started(loopback(50051), SERVICES, METHODS, null);
    scheduler.runNext();
    assertTrue(contractEvents().isEmpty(), registrar.events().toString());

    scheduler.runNext();
    assertEquals(
        Arrays.asList(
            "contract echo.Echo [echo.Echo/Echo, echo.Echo/EchoStream]",
            "contract shop.Cart [shop.Cart/Add]"),
        contractEvents());
    assertEquals(0, scheduler.pending());
  }

  @Test
  void notReportedWhenTurnedOff() {
    ServerLifecycle lifecycle =
        lifecycle("polaris.grpc.server.report-contract=false", registrar, departing);
    lifecycle.started(loopback(50051), SERVICES, METHODS, null);
    scheduler.runNext();
    assertEquals(2, registrar.registrations);
    assertTrue(contractEvents().isEmpty(), registrar.events().toString());
  }

  @Test
  void aFailedReportIsOneWarningAndRegistrationStands() {
    registrar.contractFailure = new IllegalStateException("contracts are not served");
    ServerLifecycle lifecycle = lifecycle("polaris.service=shop", registrar, departing);
    lifecycle.started(loopback(50051), SERVICES, METHODS, null);
    scheduler.runNext();
    assertEquals(1, registrar.registrations);
    assertTrue(
        log.text()
            .contains(
                "[polaris-agent] WARN cannot report the gRPC methods of shop to Polaris as its"
                    + " service contract: java.lang.IllegalStateException: contracts are not served"),
        log.text());
    assertEquals(0, scheduler.pending());
  }

  private List<String> contractEvents() {
    List<String> contracts = new ArrayList<>();
    for (String event : registrar.events()) {
      if (event.startsWith("contract ")) {
        contracts.add(event);
      }
    }
    return contracts;
  }

  private static List<SocketAddress> loopback(int port) {
    return Collections.<SocketAddress>singletonList(new InetSocketAddress("127.0.0.1", port));
  }
}
