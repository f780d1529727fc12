package org.polarisagent.plugin.grpc.adapter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdvertisedServicesTest {

  private static final List<String> INFRASTRUCTURE =
      Arrays.asList(
          "grpc.health.v1.Health",
          "grpc.reflection.v1alpha.ServerReflection",
          "grpc.reflection.v1.ServerReflection",
          "grpc.channelz.v1.Channelz",
          "envoy.service.status.v3.ClientStatusDiscoveryService",
          "xds.service.orca.v3.OpenRcaService");

  @Test
  void infrastructureServicesAreRecognised() {
    for (String name : INFRASTRUCTURE) {
      assertTrue(AdvertisedServices.isInfrastructure(name), name);
    }
    assertFalse(AdvertisedServices.isInfrastructure("helloworld.Greeter"));
    assertFalse(AdvertisedServices.isInfrastructure("grpc.examples.echo.Echo"));
    assertFalse(AdvertisedServices.isInfrastructure("grpc.healthy.Thing"));
  }

  @Test
  void withoutAConfiguredNameEachBusinessServiceIsAdvertisedInServerOrder() {
    List<String> exposed =
        Arrays.asList(
            "helloworld.Greeter", "grpc.health.v1.Health", "shop.Cart", "helloworld.Greeter");

    assertEquals(
        Arrays.asList("helloworld.Greeter", "shop.Cart"), AdvertisedServices.select("", exposed));
  }

  @Test
  void aConfiguredNameIsTheOnlyServiceAdvertised() {
    assertEquals(
        Collections.singletonList("shop"),
        AdvertisedServices.select(
            "shop", Arrays.asList("helloworld.Greeter", "grpc.health.v1.Health")));
  }

  @Test
  void aServerWithOnlyInfrastructureServicesIsNotAdvertisedEvenWithAConfiguredName() {
    assertEquals(Collections.emptyList(), AdvertisedServices.select("", INFRASTRUCTURE));
    assertEquals(Collections.emptyList(), AdvertisedServices.select("shop", INFRASTRUCTURE));
  }

  @Test
  void aServerThatListsNoServiceIsAdvertisedOnlyUnderAConfiguredName() {
    assertEquals(
        Collections.emptyList(), AdvertisedServices.select("", Collections.<String>emptyList()));
    assertEquals(
        Collections.singletonList("shop"),
        AdvertisedServices.select("shop", Collections.<String>emptyList()));
  }
}
