package org.polarisagent.it.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/** What {@code PlainApp} run with the agent must print: the agent's internals stay hidden. */
public final class HiddenAgent {

  private static final List<String> INTERNALS =
      List.of(
          "com.tencent.polaris.api.core.ConsumerAPI",
          "shade.polaris.io.grpc.ManagedChannel",
          "org.polarisagent.core.AgentInstaller",
          "org.polarisagent.plugin.grpc.GrpcPlugin");

  private HiddenAgent() {}

  /**
   * Asserts that the app's stdout {@code out} shows no agent internal, its own Byte Buddy and
   * netty, and its plain gRPC call answered.
   */
  public static void assertAppSeesOnlyItsOwnLibraries(List<String> out) {
    for (String internal : INTERNALS) {
      assertTrue(
          out.contains("CLASS name=" + internal + " visible=false"), internal + " leaked: " + out);
    }
    assertTrue(
        out.stream()
            .anyMatch(
                l ->
                    l.startsWith("CLASS name=net.bytebuddy.ByteBuddy visible=true")
                        && l.contains("byte-buddy-1.14")),
        "the app must see its own Byte Buddy: " + out);
    assertTrue(
        out.stream()
            .anyMatch(l -> l.startsWith("LIB name=netty") && l.contains("netty-common-4.1.140")),
        "the app must see its own netty: " + out);
    assertTrue(out.contains("CALL ok reply=plain:hello"), out.toString());
  }
}
