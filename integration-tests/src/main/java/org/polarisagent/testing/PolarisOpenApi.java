package org.polarisagent.testing;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small client of the Polaris server's HTTP OpenAPI ({@code /naming/...}), authenticated as the
 * console admin (header {@code X-Polaris-Token}). Bodies are JSON; write calls take JSON arrays, as
 * the API expects.
 *
 * <p>Every answer carries a Polaris {@code code}: {@link #OK} ({@value #OK}) means success. The
 * checking methods ({@link #get}, {@link #post}, {@link #put}) throw {@link OpenApiException} for
 * any other code; the create helpers also accept "already exists". {@link #send} returns the answer
 * unchecked.
 *
 * <p>Thread-safe.
 */
public final class PolarisOpenApi {

  /** Polaris code for success. */
  public static final int OK = 200000;

  /** Polaris code for "resource already exists". */
  public static final int EXISTED_RESOURCE = 400201;

  /** Polaris code for "service not found". */
  public static final int NOT_FOUND_SERVICE = 400301;

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Gson GSON = new Gson();

  private final String baseUrl;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  /**
   * @param baseUrl e.g. {@code http://127.0.0.1:8090}
   * @param token the admin token sent as {@code X-Polaris-Token}
   */
  public PolarisOpenApi(String baseUrl, String token) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** {@code GET path} (with its query); the answer must have code {@link #OK}. */
  public JsonObject get(String pathAndQuery) {
    return checked(send("GET", pathAndQuery, null), Set.of(OK));
  }

  /**
   * {@code POST path} with a JSON body (usually an array); the answer must have code {@link #OK}.
   */
  public JsonObject post(String path, JsonElement body) {
    return checked(send("POST", path, body), Set.of(OK));
  }

  /**
   * {@code PUT path} with a JSON body (usually an array); the answer must have code {@link #OK}.
   */
  public JsonObject put(String path, JsonElement body) {
    return checked(send("PUT", path, body), Set.of(OK));
  }

  /**
   * {@code POST path} with a body given as a JSON text, e.g. a rule written in a test as a text
   * block.
   */
  public JsonObject post(String path, String jsonBody) {
    return post(path, JsonParser.parseString(jsonBody));
  }

  /** {@code PUT path} with a body given as a JSON text. */
  public JsonObject put(String path, String jsonBody) {
    return put(path, JsonParser.parseString(jsonBody));
  }

  /** Creates a namespace; fine if it exists. */
  public void createNamespace(String name) {
    JsonObject namespace = new JsonObject();
    namespace.addProperty("name", name);
    create("/naming/v1/namespaces", namespace);
  }

  /** Creates a service in an existing namespace; fine if it exists. */
  public void createService(String service, String namespace) {
    JsonObject entry = new JsonObject();
    entry.addProperty("name", service);
    entry.addProperty("namespace", namespace);
    create("/naming/v1/services", entry);
  }

  /**
   * The instances of a service as the console sees them (healthy or not, isolated or not). An
   * unknown service has no instances: an empty list, not an error.
   */
  public List<Instance> listInstances(String service, String namespace) {
    Response response =
        send(
            "GET",
            "/naming/v1/instances?service="
                + encode(service)
                + "&namespace="
                + encode(namespace)
                + "&offset=0&limit=100",
            null);
    if (response.code() == NOT_FOUND_SERVICE) {
      return List.of();
    }
    JsonObject body = checked(response, Set.of(OK));
    List<Instance> instances = new ArrayList<>();
    JsonArray array =
        body.has("instances") && body.get("instances").isJsonArray()
            ? body.getAsJsonArray("instances")
            : new JsonArray();
    for (JsonElement element : array) {
      instances.add(Instance.from(element.getAsJsonObject()));
    }
    return instances;
  }

  /** Sends a request and returns the answer without judging it. {@code body} may be null. */
  public Response send(String method, String pathAndQuery, JsonElement body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + pathAndQuery))
            .timeout(TIMEOUT)
            .header("X-Polaris-Token", token)
            .header("Accept", "application/json");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(
              method,
              HttpRequest.BodyPublishers.ofString(GSON.toJson(body), StandardCharsets.UTF_8));
    }
    HttpResponse<String> response;
    try {
      response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + baseUrl + pathAndQuery + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + method + " " + pathAndQuery, e);
    }
    JsonObject json;
    try {
      JsonElement parsed = JsonParser.parseString(response.body());
      json = parsed.isJsonObject() ? parsed.getAsJsonObject() : new JsonObject();
    } catch (JsonParseException e) {
      json = new JsonObject();
    }
    return new Response(method, pathAndQuery, response.statusCode(), json, response.body());
  }

  private void create(String path, JsonObject entry) {
    JsonArray body = new JsonArray();
    body.add(entry);
    Response response = send("POST", path, body);
    checked(response, Set.of(OK, EXISTED_RESOURCE));
    for (int code : response.itemCodes()) {
      if (code != OK && code != EXISTED_RESOURCE) {
        throw new OpenApiException(response);
      }
    }
  }

  private static JsonObject checked(Response response, Set<Integer> accepted) {
    if (!accepted.contains(response.code())) {
      throw new OpenApiException(response);
    }
    return response.body();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /**
   * One answer: HTTP status, the parsed body and its Polaris {@code code} (0 if absent). For batch
   * writes, {@link #itemCodes()} are the codes of the single items.
   */
  public record Response(String method, String path, int httpStatus, JsonObject body, String text) {

    public int code() {
      JsonElement code = body.get("code");
      return code != null && code.isJsonPrimitive() ? code.getAsInt() : 0;
    }

    public String info() {
      JsonElement info = body.get("info");
      return info != null && info.isJsonPrimitive() ? info.getAsString() : "";
    }

    public List<Integer> itemCodes() {
      List<Integer> codes = new ArrayList<>();
      JsonElement responses = body.get("responses");
      if (responses != null && responses.isJsonArray()) {
        for (JsonElement item : responses.getAsJsonArray()) {
          JsonElement code = item.isJsonObject() ? item.getAsJsonObject().get("code") : null;
          codes.add(code != null && code.isJsonPrimitive() ? code.getAsInt() : 0);
        }
      }
      return codes;
    }
  }

  /**
   * An answer with an unexpected Polaris code; the message holds the request and the whole body.
   */
  public static final class OpenApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Response response;

    OpenApiException(Response response) {
      super(
          response.method()
              + " "
              + response.path()
              + " -> HTTP "
              + response.httpStatus()
              + ", code "
              + response.code()
              + " ("
              + response.info()
              + "): "
              + abbreviate(response.text()));
      this.response = response;
    }

    public Response response() {
      return response;
    }

    private static String abbreviate(String text) {
      return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
    }
  }

  /**
   * An instance as listed by the console API; {@code location} has its non-empty {@code region},
   * {@code zone} and {@code campus}. Immutable.
   */
  public record Instance(
      String id,
      String host,
      int port,
      boolean healthy,
      boolean isolate,
      int weight,
      String protocol,
      String version,
      Map<String, String> metadata,
      Map<String, String> location) {

    static Instance from(JsonObject json) {
      Map<String, String> metadata = new LinkedHashMap<>();
      JsonElement meta = json.get("metadata");
      if (meta != null && meta.isJsonObject()) {
        meta.getAsJsonObject()
            .entrySet()
            .forEach(e -> metadata.put(e.getKey(), text(e.getValue())));
      }
      return new Instance(
          text(json.get("id")),
          text(json.get("host")),
          number(json.get("port")),
          bool(json.get("healthy")),
          bool(json.get("isolate")),
          number(json.get("weight")),
          text(json.get("protocol")),
          text(json.get("version")),
          Map.copyOf(metadata),
          Map.copyOf(texts(json.get("location"))));
    }

    /** {@code host:port}. */
    public String address() {
      return host + ":" + port;
    }

    /** The non-empty string members of an object; empty if it is none. */
    private static Map<String, String> texts(JsonElement value) {
      Map<String, String> texts = new LinkedHashMap<>();
      if (value != null && value.isJsonObject()) {
        value
            .getAsJsonObject()
            .entrySet()
            .forEach(
                e -> {
                  String text = text(e.getValue());
                  if (!text.isEmpty()) {
                    texts.put(e.getKey(), text);
                  }
                });
      }
      return texts;
    }

    private static String text(JsonElement value) {
      return value == null || value.isJsonNull()
          ? ""
          : value.isJsonPrimitive() ? value.getAsString() : value.toString();
    }

    private static int number(JsonElement value) {
      return value == null || value.isJsonNull() ? 0 : value.getAsInt();
    }

    private static boolean bool(JsonElement value) {
      return value != null && !value.isJsonNull() && value.getAsBoolean();
    }
  }
}
