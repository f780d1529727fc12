package org.polarisagent.core.sdk;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Finds the local address the machine uses to reach a given server. Stateless. */
public final class LocalAddress {

  private LocalAddress() {}

  /**
   * The address of the local interface that routes to {@code host:port}: a UDP socket is
   * "connected" to it, which selects a route and sends nothing, and its local address read.
   *
   * @return the address, or null when there is no route or it cannot be told
   */
  public static InetAddress routeTo(String host, int port) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName(host), port));
      InetAddress local = socket.getLocalAddress();
      return local == null || local.isAnyLocalAddress() ? null : local;
    }
  }

  /** Like {@link #routeTo} for a {@code host:port} text, falling back to the loopback address. */
  public static String towards(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      InetAddress local =
          routeTo(
              colon > 0 ? hostPort.substring(0, colon) : hostPort,
              colon > 0 ? Integer.parseInt(hostPort.substring(colon + 1)) : 8091);
      if (local != null) {
        return local.getHostAddress();
      }
    } catch (IOException | RuntimeException e) {
      // unresolvable or unroutable: fall through
    }
    return InetAddress.getLoopbackAddress().getHostAddress();
  }
}
