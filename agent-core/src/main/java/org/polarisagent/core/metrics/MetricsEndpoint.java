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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.polarisagent.core.concurrent.DaemonScheduler;
import org.polarisagent.core.logging.AgentLog;

/**
 * Serves {@code GET /metrics} over HTTP/1.1 from one daemon thread, one connection at a time, each
 * closed after its answer: a small server on a {@link ServerSocket}, so it also runs on runtimes
 * without the {@code jdk.httpserver} module. A request must arrive within {@value
 * #READ_TIMEOUT_MILLIS} ms and fit in {@value #MAX_REQUEST_BYTES} bytes; a whole exchange lasts at
 * most {@value #EXCHANGE_TIMEOUT_MILLIS} ms (a watchdog closes the connection of a client that
 * stops reading), so one client never keeps the others waiting for long. Binding happens on that
 * thread (a host name may need DNS), after a delay; a {@link Listener} hears where it listens, or
 * why it cannot.
 */
public final class MetricsEndpoint {

  static final int READ_TIMEOUT_MILLIS = 2_000;
  static final int EXCHANGE_TIMEOUT_MILLIS = 5_000;
  static final int MAX_REQUEST_BYTES = 8_192;

  /** The pause after a failed accept (e.g. no file descriptor left), instead of spinning. */
  static final int ACCEPT_BACKOFF_MILLIS = 1_000;

  private final AgentMetrics metrics;
  private final String host;
  private final int port;
  private final long bindDelayMillis;
  private final Listener listener;
  private final ClassLoader agentLoader;
  private final ScheduledExecutorService watchdog;

  /** Hears how binding went. */
  public interface Listener {
    /** The endpoint listens at this address. */
    void listening(InetSocketAddress address);

    /** The endpoint cannot listen, and never will. */
    void failed(String reason);
  }

  /** Says where metrics are in one INFO line, or why there are none in one ERROR line. */
  public static final Listener LOG =
      new Listener() {
        @Override
        public void listening(InetSocketAddress address) {
          AgentLog.info(
              "metrics at http://"
                  + hostText(address.getAddress())
                  + ":"
                  + address.getPort()
                  + "/metrics");
        }

        @Override
        public void failed(String reason) {
          AgentLog.error("metrics are off: " + reason);
        }
      };

  /**
   * An endpoint serving {@code metrics} on {@code host:port} (port 0: a free port) once {@link
   * #start() started}.
   *
   * @param bindDelayMillis how long to wait before binding: started from premain, binding at once
   *     would initialise Java's networking before the application's main could set its properties
   *     (such as {@code java.net.preferIPv4Stack})
   */
  public MetricsEndpoint(
      AgentMetrics metrics,
      String host,
      int port,
      long bindDelayMillis,
      Listener listener,
      ClassLoader agentLoader) {
    this.metrics = metrics;
    this.host = host;
    this.port = port;
    this.bindDelayMillis = bindDelayMillis;
    this.listener = listener;
    this.agentLoader = agentLoader;
    this.watchdog = DaemonScheduler.serial("polaris-agent-metrics-watchdog");
  }

  /** Starts serving in the background. */
  public void start() {
    DaemonScheduler.newThread(this::run, "polaris-agent-metrics", agentLoader).start();
  }

  private void run() {
    if (bindDelayMillis > 0 && !pause(bindDelayMillis)) {
      return;
    }
    ServerSocket bound = bind();
    if (bound == null) {
      return;
    }
    listener.listening((InetSocketAddress) bound.getLocalSocketAddress());
    while (!bound.isClosed()) {
      Socket connection;
      try {
        connection = bound.accept();
      } catch (IOException | RuntimeException e) {
        AgentLog.debug("metrics: accepting a connection failed: " + e);
        pause(ACCEPT_BACKOFF_MILLIS);
        continue;
      }
      serve(connection);
    }
  }

  /** The bound server socket; null (and closed) if it cannot be bound. */
  private ServerSocket bind() {
    ServerSocket socket = null;
    try {
      socket = new ServerSocket();
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 16);
      return socket;
    } catch (IOException | RuntimeException e) {
      close(socket);
      listener.failed("cannot listen on " + host + ":" + port + ": " + e);
      return null;
    }
  }

  /** Waits; false if interrupted. */
  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Answers one connection, closed within {@value #EXCHANGE_TIMEOUT_MILLIS} ms whatever happens.
   */
  private void serve(Socket connection) {
    ScheduledFuture<?> deadline = null;
    try {
      deadline =
          watchdog.schedule(
              () -> close(connection), EXCHANGE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      connection.setSoTimeout(READ_TIMEOUT_MILLIS);
      answer(connection);
    } catch (IOException | RuntimeException e) {
      AgentLog.debug("metrics request failed: " + e);
    } finally {
      if (deadline != null) {
        deadline.cancel(false);
      }
      close(connection);
    }
  }

  private static void close(java.io.Closeable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private static String hostText(InetAddress address) {
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
}
