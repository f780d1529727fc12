package org.polarisagent.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The TCP sockets of a process, from Linux's {@code /proc}: the socket inodes among its open file
 * descriptors, matched with the entries of {@code /proc/<pid>/net/tcp} and {@code tcp6}.
 */
public final class ProcessSockets {

  private static final String ESTABLISHED = "01";
  private static final String LISTEN = "0A";
  private static final String IPV4_MAPPED = "0000000000000000FFFF0000";

  private ProcessSockets() {}

  /** The ports the process listens on. */
  public static Set<Integer> listeningPorts(long pid) {
    Set<Integer> ports = new TreeSet<>();
    for (String[] socket : sockets(pid, LISTEN)) {
      ports.add(port(socket[1]));
    }
    return ports;
  }

  /** The IPv4 peers ({@code a.b.c.d:port}) of the process's established connections. */
  public static Set<String> peers(long pid) {
    Set<String> peers = new TreeSet<>();
    for (String[] socket : sockets(pid, ESTABLISHED)) {
      String remote = socket[2];
      String address = remote.substring(0, remote.indexOf(':'));
      if (address.length() == 32 && address.startsWith(IPV4_MAPPED)) {
        address = address.substring(24);
      }
      if (address.length() == 8) {
        // Little-endian hex: 0100007F is 127.0.0.1.
        long bits = Long.parseLong(address, 16);
        peers.add(
            (bits & 0xff)
                + "."
                + (bits >> 8 & 0xff)
                + "."
                + (bits >> 16 & 0xff)
                + "."
                + (bits >> 24 & 0xff)
                + ":"
                + port(remote));
      }
    }
    return peers;
  }

  private static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.indexOf(':') + 1), 16);
  }

  /** The table rows (fields split) of the process's own sockets in {@code state}. */
  private static List<String[]> sockets(long pid, String state) {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Paths.get("/proc", String.valueOf(pid), "fd"))) {
      fds.forEach(
          fd -> {
            try {
              String target = Files.readSymbolicLink(fd).toString();
              if (target.startsWith("socket:[")) {
                inodes.add(target.substring("socket:[".length(), target.length() - 1));
              }
            } catch (IOException closedMeanwhile) {
              // the descriptor was closed while listed
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String[]> rows = new ArrayList<>();
    for (String table : new String[] {"tcp", "tcp6"}) {
      Path file = Paths.get("/proc", String.valueOf(pid), "net", table);
      if (!Files.exists(file)) {
        continue;
      }
      List<String> lines;
      try {
        lines = Files.readAllLines(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String line : lines.subList(1, lines.size())) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        String[] fields = line.trim().split("\\s+");
        if (fields.length > 9 && state.equals(fields[3]) && inodes.contains(fields[9])) {
          rows.add(fields);
        }
      }
    }
    return rows;
  }
}
