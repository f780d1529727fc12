package org.polarisagent.core.metrics;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;

/**
 * Serves {@code GET /metrics} over HTTP/1.1 from one daemon thread, one connection at a time, each
 * closed after its answer: a small server on a {@link ServerSocket}, so it also runs on runtimes
 * without the {@code jdk.httpserver} module. A request must arrive within {@value
 * #READ_TIMEOUT_MILLIS} ms and fit in {@value #MAX_REQUEST_BYTES} bytes. Binding happens on that
 * thread (a host name may need DNS); the result is one INFO line with the bound address, or one
 * ERROR line and no metrics.
 */
public final class MetricsEndpoint {

  static final int READ_TIMEOUT_MILLIS = 2_000;
  static final int MAX_REQUEST_BYTES = 8_192;

  private final AgentMetrics metrics;
  private final String host;
  private final int port;
  private volatile ServerSocket socket;
  private volatile boolean failed;

  private MetricsEndpoint(AgentMetrics metrics, String host, int port) {
    this.metrics = metrics;
    this.host = host;
    this.port = port;
  }

  /**
   * Starts serving {@code metrics} on {@code host:port} (port 0: a free port) in the background.
   */
  public static MetricsEndpoint start(
      AgentMetrics metrics, String host, int port, ClassLoader agentLoader) {
    MetricsEndpoint endpoint = new MetricsEndpoint(metrics, host, port);
    DaemonScheduler.newThread(endpoint::run, "polaris-agent-metrics", agentLoader).start();
    return endpoint;
  }

  private void run() {
    ServerSocket bound;
    try {
      bound = new ServerSocket();
      bound.bind(new InetSocketAddress(InetAddress.getByName(host), port), 16);
    } catch (IOException | RuntimeException e) {
      AgentLog.error("metrics are off: cannot listen on " + host + ":" + port + ": " + e);
      failed = true;
      return;
    }
    socket = bound;
    AgentLog.info(
        "metrics at http://"
            + address(bound.getInetAddress())
            + ":"
            + bound.getLocalPort()
            + "/metrics");
    while (!bound.isClosed()) {
      try (Socket connection = bound.accept()) {
        connection.setSoTimeout(READ_TIMEOUT_MILLIS);
        answer(connection);
      } catch (IOException | RuntimeException e) {
        if (bound.isClosed()) {
          return;
        }
        AgentLog.debug("metrics request failed: " + e);
      }
    }
  }

  private static String address(InetAddress address) {
    String text = address.getHostAddress();
    return text.indexOf(':') >= 0 ? "[" + text + "]" : text;
  }

  private void answer(Socket connection) throws IOException {
    String requestLine = readRequest(connection.getInputStream());
    String[] parts = requestLine == null ? new String[0] : requestLine.split(" ");
    OutputStream out = connection.getOutputStream();
    if (parts.length < 2) {
      respond(out, "400 Bad Request", "text/plain", "bad request\n");
    } else if (!"GET".equals(parts[0])) {
      respond(out, "405 Method Not Allowed", "text/plain", "only GET\n");
    } else if (!"/metrics".equals(parts[1]) && !parts[1].startsWith("/metrics?")) {
      respond(out, "404 Not Found", "text/plain", "metrics are at /metrics\n");
    } else {
      respond(out, "200 OK", ExpositionWriter.CONTENT_TYPE, metrics.scrape());
    }
  }

  /**
   * The request line, once the headers have been read to their end; null if none came, or not
   * within {@value #READ_TIMEOUT_MILLIS} ms in all (each read also times out after that long).
   */
  private static String readRequest(InputStream raw) throws IOException {
    InputStream in = new BufferedInputStream(raw);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_TIMEOUT_MILLIS);
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) != -1
        && head.length() < MAX_REQUEST_BYTES
        && System.nanoTime() - deadline < 0) {
      head.append((char) c);
      if (c == '\n' && endsHeaders(head)) {
        int end = head.indexOf("\n");
        return head.substring(0, end).trim();
      }
    }
    return null;
  }

  /** Whether the text, which ends with a line feed, ends with an empty line. */
  private static boolean endsHeaders(StringBuilder head) {
    int n = head.length();
    return n >= 2 && head.charAt(n - 2) == '\n'
        || n >= 3 && head.charAt(n - 2) == '\r' && head.charAt(n - 3) == '\n';
  }

  private static void respond(OutputStream out, String status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String headers =
        "HTTP/1.1 "
            + status
            + "\r\nContent-Type: "
            + type
            + "\r\nContent-Length: "
            + bytes.length
            + "\r\nConnection: close\r\n\r\n";
    out.write(headers.getBytes(StandardCharsets.ISO_8859_1));
    out.write(bytes);
    out.flush();
  }

  /** The port it listens on, once bound; -1 before or if binding failed. */
  public int port() {
    ServerSocket current = socket;
    return current == null ? -1 : current.getLocalPort();
  }

  /** Whether binding failed: the endpoint never listens. */
  public boolean failed() {
    return failed;
  }

  /** Stops listening. */
  public void close() {
    ServerSocket current = socket;
    if (current != null) {
      try {
        current.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
