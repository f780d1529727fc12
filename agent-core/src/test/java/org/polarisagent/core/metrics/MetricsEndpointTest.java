package org.polarisagent.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The endpoint answers GET /metrics on loopback with the exposition format, and only that. */
class MetricsEndpointTest {

  @Test
  void servesTheScrapeOnAFreeLoopbackPort() throws IOException {
    AgentMetrics metrics = new AgentMetrics(10);
    metrics.instances("default", "echo", 2);
    MetricsEndpoint endpoint =
        MetricsEndpoint.start(metrics, "127.0.0.1", 0, getClass().getClassLoader());
    try {
      int port = awaitPort(endpoint);

      HttpURLConnection ok = open(port, "/metrics");
      assertEquals(200, ok.getResponseCode());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", ok.getContentType());
      String body = read(ok.getInputStream());
      assertTrue(
          body.contains(
              "polaris_agent_instances{dest_namespace=\"default\",dest_service=\"echo\"} 2\n"),
          body);

      assertEquals(404, open(port, "/").getResponseCode());
      HttpURLConnection post = open(port, "/metrics");
      post.setRequestMethod("POST");
      assertEquals(405, post.getResponseCode());
    } finally {
      endpoint.close();
    }
  }

  @Test
  void aPortInUseLeavesMetricsOff() throws IOException {
    MetricsEndpoint first =
        MetricsEndpoint.start(new AgentMetrics(10), "127.0.0.1", 0, getClass().getClassLoader());
    try {
      int taken = awaitPort(first);
      MetricsEndpoint second =
          MetricsEndpoint.start(
              new AgentMetrics(10), "127.0.0.1", taken, getClass().getClassLoader());
      assertEquals(-1, awaitSettled(second), "the second endpoint does not listen");
    } finally {
      first.close();
    }
  }

  private static int awaitPort(MetricsEndpoint endpoint) {
    int port = awaitSettled(endpoint);
    assertTrue(port > 0, "the endpoint listens");
    return port;
  }

  /** Polls until the endpoint has bound or failed (its thread ended), at most 10 s. */
  private static int awaitSettled(MetricsEndpoint endpoint) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (endpoint.port() > 0 || endpoint.failed()) {
        return endpoint.port();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    return endpoint.port();
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
    byte[] buffer = new byte[4096];
    int n;
    while ((n = in.read(buffer)) > 0) {
      out.write(buffer, 0, n);
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }
}
