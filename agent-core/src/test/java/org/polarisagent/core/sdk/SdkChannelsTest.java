package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.polaris.plugins.connector.grpc.ChannelTlsCertificates;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import shade.polaris.io.grpc.ManagedChannel;
import shade.polaris.io.grpc.ManagedChannelBuilder;

class SdkChannelsTest {

  private final List<String> asked = new ArrayList<>();
  private final List<ManagedChannel> made = new ArrayList<>();
  private int finderCalls;

  @BeforeEach
  @AfterEach
  void forget() {
    SdkTransport.reset();
    for (ManagedChannel channel : made) {
      channel.shutdownNow();
    }
  }

  @Test
  void withoutAnOfferTheSdkBuildsItsOwnChannel() {
    ManagedChannelBuilder<?> builder = SdkChannels.forAddress("127.0.0.1", 8091);

    assertFalse(builder instanceof ApplicationChannelBuilder, builder.getClass().getName());
  }

  @Test
  void anOfferedGrpcMakesThePlaintextChannelWithTheSdksKeepAlive() {
    SdkTransport.offerApplicationGrpc(this::recordingGrpc);

    ManagedChannel channel =
        SdkChannels.forAddress("127.0.0.1", 8091)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .usePlaintext()
            .build();
    SdkChannels.forAddress("127.0.0.1", 8092).usePlaintext().build();

    assertSame(made.get(0), channel);
    assertEquals(
        java.util.Arrays.asList("127.0.0.1:8091 30000000000 true", "127.0.0.1:8092 -1 false"),
        asked);
    assertEquals(1, finderCalls);
  }

  @Test
  void aChannelWithTlsIsTheSdksOwn() throws Exception {
    SdkTransport.offerApplicationGrpc(this::recordingGrpc);
    ManagedChannelBuilder<?> builder =
        SdkChannels.forAddress("127.0.0.1", 8091)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .usePlaintext();

    SdkChannels.setChannelTls(builder, new ChannelTlsCertificates(defaultTrust(), null));
    builder.useTransportSecurity();
    ManagedChannel channel = builder.build();
    made.add(channel);

    assertTrue(asked.isEmpty(), asked.toString());
    assertTrue(channel.getClass().getName().startsWith("shade.polaris.io.grpc."));
  }

  @Test
  void whenTheApplicationsGrpcFailsThisAndLaterChannelsAreTheSdksOwn() {
    SdkTransport.offerApplicationGrpc(
        () ->
            (host, port, keepAliveNanos, withoutCalls) -> {
              asked.add(host + ":" + port);
              throw new IllegalStateException("no channel provider");
            });

    ManagedChannel first = SdkChannels.forAddress("127.0.0.1", 8091).usePlaintext().build();
    made.add(first);
    ManagedChannelBuilder<?> second = SdkChannels.forAddress("127.0.0.1", 8091);

    assertTrue(first.getClass().getName().startsWith("shade.polaris.io.grpc."));
    assertFalse(second instanceof ApplicationChannelBuilder);
    assertEquals(java.util.Collections.singletonList("127.0.0.1:8091"), asked);
  }

  @Test
  void aFinderThatFailsLeavesTheSdkItsOwnGrpcAndIsNotAskedAgain() {
    SdkTransport.offerApplicationGrpc(
        () -> {
          finderCalls++;
          throw new NoClassDefFoundError("io/grpc/ManagedChannelBuilder");
        });

    assertFalse(SdkChannels.forAddress("127.0.0.1", 8091) instanceof ApplicationChannelBuilder);
    assertFalse(SdkChannels.forAddress("127.0.0.1", 8091) instanceof ApplicationChannelBuilder);
    assertEquals(1, finderCalls);
  }

  @Test
  void beforeTheApplicationUsesItsGrpcTheSdkUsesItsOwnAndAsksAgainAtItsNextChannel() {
    boolean[] used = {false};
    SdkTransport.offerApplicationGrpc(() -> used[0] ? recordingGrpc() : null);

    ManagedChannelBuilder<?> early = SdkChannels.forAddress("127.0.0.1", 8091);
    used[0] = true;
    ManagedChannelBuilder<?> later = SdkChannels.forAddress("127.0.0.1", 8091);

    assertFalse(early instanceof ApplicationChannelBuilder);
    assertTrue(later instanceof ApplicationChannelBuilder);
  }

  @Test
  void aSettingTheSdkDoesNotMakeTodayHandsTheChannelToItsOwnGrpc() {
    SdkTransport.offerApplicationGrpc(this::recordingGrpc);

    ManagedChannel abstractSetter =
        SdkChannels.forAddress("127.0.0.1", 8091).usePlaintext().userAgent("sdk").build();
    ManagedChannel concreteSetter =
        SdkChannels.forAddress("127.0.0.1", 8091)
            .usePlaintext()
            .maxInboundMessageSize(1 << 20)
            .build();
    made.add(abstractSetter);
    made.add(concreteSetter);

    assertTrue(asked.isEmpty(), asked.toString());
    assertTrue(abstractSetter.getClass().getName().startsWith("shade.polaris.io.grpc."));
    assertTrue(concreteSetter.getClass().getName().startsWith("shade.polaris.io.grpc."));
  }

  @Test
  void aChannelNeverSaidToBePlaintextIsTheSdksOwn() {
    SdkTransport.offerApplicationGrpc(this::recordingGrpc);

    ManagedChannel channel = SdkChannels.forAddress("127.0.0.1", 8091).build();
    made.add(channel);

    assertTrue(asked.isEmpty(), asked.toString());
  }

  private SdkTransport.ApplicationGrpc recordingGrpc() {
    finderCalls++;
    return (host, port, keepAliveNanos, withoutCalls) -> {
      asked.add(host + ":" + port + " " + keepAliveNanos + " " + withoutCalls);
      ManagedChannel channel = ManagedChannelBuilder.forAddress(host, port).usePlaintext().build();
      made.add(channel);
      return channel;
    };
  }

  private static X509TrustManager defaultTrust() throws Exception {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    return (X509TrustManager) factory.getTrustManagers()[0];
  }
}
