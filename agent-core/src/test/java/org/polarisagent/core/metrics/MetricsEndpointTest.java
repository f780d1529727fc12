package org.polarisagent.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The endpoint answers GET /metrics on loopback with the exposition format, and only that. */
class MetricsEndpointTest {

  @Test
  void servesTheScrapeOnAFreeLoopbackPort() throws Exception {
    AgentMetrics metrics = new AgentMetrics(10);
    metrics.rateLimitRejections("default", "echo", "echo-limit").increment();
    int port = listen(metrics, 0).get(60, TimeUnit.SECONDS);

    HttpURLConnection ok = open(port, "/metrics");
    assertEquals(200, ok.getResponseCode());
    assertEquals("text/plain; version=0.0.4; charset=utf-8", ok.getContentType());
    String body = read(ok.getInputStream());
    assertTrue(
        body.contains(
            "polaris_agent_ratelimit_rejections_total{polaris_namespace=\"default\","
                + "polaris_service=\"echo\",rule=\"echo-limit\"} 1\n"),
        body);

    assertEquals(404, open(port, "/").getResponseCode());
    HttpURLConnection post = open(port, "/metrics");
    post.setRequestMethod("POST");
    assertEquals(405, post.getResponseCode());
  }

  @Test
  void aPortInUseLeavesMetricsOff() throws Exception {
    int taken = listen(new AgentMetrics(10), 0).get(60, TimeUnit.SECONDS);
    CompletableFuture<Integer> second = listen(new AgentMetrics(10), taken);

    Exception failure =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.util.concurrent.ExecutionException.class, () -> second.get(60, TimeUnit.SECONDS));
    assertTrue(failure.getCause().getMessage().contains("cannot listen"), failure.toString());
  }

  @Test
  void aClientThatNeverReadsDoesNotKeepTheNextOneWaiting() throws Exception {
    AgentMetrics metrics = new AgentMetrics(1000);
    char[] pad = new char[12_000];
    Arrays.fill(pad, 'r');
    for (int i = 0; i < 1000; i++) {
      metrics
          .rateLimitRejections("default", "echo", new String(pad) + i)
          .increment(); // a scrape of some 12 MB
    }
    int port = listen(metrics, 0).get(60, TimeUnit.SECONDS);

    try (Socket stuck = new Socket()) {
      stuck.setReceiveBufferSize(4096);
      stuck.connect(new InetSocketAddress("127.0.0.1", port));
      stuck
          .getOutputStream()
          .write("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.UTF_8));
      stuck.getOutputStream().flush();

      HttpURLConnection next = open(port, "/metrics");
      next.setReadTimeout(120_000); // the next answer comes once the stuck exchange is cut
      assertEquals(200, next.getResponseCode());
      String body = read(next.getInputStream());
      assertTrue(body.endsWith("polaris_agent_outcomes_dropped_total 0\n"));

      // The stuck client got part of its answer only: its connection was cut, not answered.
      long received = drain(stuck.getInputStream());
      assertTrue(received < body.length(), received + " of " + body.length() + " bytes");
    }
  }

  /** Starts an endpoint; its port once it listens, or the reason it cannot as a failure. */
  private CompletableFuture<Integer> listen(AgentMetrics metrics, int port) {
    CompletableFuture<Integer> bound = new CompletableFuture<>();
    new MetricsEndpoint(
            metrics,
            "127.0.0.1",
            port,
            0,
            new MetricsEndpoint.Listener() {
              @Override
              public void listening(InetSocketAddress address) {
                bound.complete(address.getPort());
              }

              @Override
              public void failed(String reason) {
                bound.completeExceptionally(new IOException(reason));
              }
            },
            getClass().getClassLoader())
        .start();
    return bound;
  }

  private static HttpURLConnection open(int port, String path) throws IOException {
    HttpURLConnection connection =
        (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
    connection.setConnectTimeout(5000);
    connection.setReadTimeout(5000);
    return connection;
  }

  private static String read(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[65536];
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  /** How many bytes come until the stream ends or breaks. */
  private static long drain(InputStream in) {
    long total = 0;
    byte[] buffer = new byte[65536];
    try {
      int n;
      while ((n = in.read(buffer)) > 0) {
        total += n;
      }
    } catch (IOException cut) {
      // a reset: the endpoint closed the connection with data unread
    }
    return total;
  }
}
