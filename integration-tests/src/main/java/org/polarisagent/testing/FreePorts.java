package org.polarisagent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds TCP ports that are free on the loopback interface right now, by binding {@code
 * 127.0.0.1:0}. Another process may still take a port before the caller binds it, so callers that
 * can retry should.
 *
 * <p>Stateless; thread-safe.
 */
public final class FreePorts {

  private FreePorts() {}

  /** Returns {@code count} distinct free loopback ports. */
  public static List<Integer> pick(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        // Held open until all are picked, so the ports are distinct.
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports.add(socket.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // Nothing to clean up.
        }
      }
    }
  }

  /** Returns one free loopback port. */
  public static int pick() {
    return pick(1).get(0);
  }
}
