package org.polarisagent.it.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * One scrape of an agent's {@code /metrics}, as Prometheus would make it: each sample line's series
 * (name and labels, as written) and value. Immutable.
 */
public record Scrape(String text, Map<String, Double> samples) {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * Scrapes {@code http://127.0.0.1:<port>/metrics}; fails unless it answers 200 in format 0.0.4.
   */
  public static Scrape of(int port) {
    HttpResponse<String> response;
    try {
      response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot scrape port " + port + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (response.statusCode() != 200 || !type.startsWith("text/plain; version=0.0.4")) {
      throw new IllegalStateException(
          "scrape answered " + response.statusCode() + " " + type + ": " + response.body());
    }
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : response.body().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return new Scrape(response.body(), samples);
  }

  /** The value of a series, or -1 if the scrape has none. */
  public double value(String series) {
    return samples.getOrDefault(series, -1.0);
  }

  /** The sum of the series that match, 0 if none does. */
  public double sum(Predicate<String> series) {
    return samples.entrySet().stream()
        .filter(e -> series.test(e.getKey()))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  @Override
  public String toString() {
    return text;
  }
}
