package org.polarisagent.it.metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The TCP ports a process listens on, from Linux's {@code /proc}: the socket inodes among its open
 * file descriptors, matched with the LISTEN entries of {@code /proc/<pid>/net/tcp} and {@code
 * tcp6}.
 */
final class ListeningPorts {

  private static final String LISTEN = "0A";

  private ListeningPorts() {}

  static Set<Integer> of(long pid) {
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
    Set<Integer> ports = new TreeSet<>();
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
        if (fields.length > 9 && LISTEN.equals(fields[3]) && inodes.contains(fields[9])) {
          String local = fields[1];
          ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
