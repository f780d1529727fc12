package org.polarisagent.core.sdk;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Finds the local address the machine uses to reach a given server. Stateless. */
public final class LocalAddress {

  private LocalAddress() {}

  /**
   * The address of the local interface that routes to {@code host:port}: a UDP socket is "connected" to it,
   * which sends nothing, and its local address read. Falls back to the loopback address.
   */
  public static String towards(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = colon > 0 ? hostPort.substring(0, colon) : hostPort;
    int port = colon > 0 ? Integer.parseInt(hostPort.substring(colon + 1)) : 8091;
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(new InetSocketAddress(host, port));
      InetAddress local = socket.getLocalAddress();
      if (local != null && !local.isAnyLocalAddress()) {
        return local.getHostAddress();
      }
    } catch (Exception e) {
      // unresolvable or unroutable: fall through
    }
    return InetAddress.getLoopbackAddress().getHostAddress();
  }
}
