package org.polarisagent.bench.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Polaris server of a system benchmark run, started and stopped with {@code polaris-server.sh} in its
 * own run directory on two free loopback ports, and told to stop by itself once the driver's JVM is gone; plus the
 * few OpenAPI calls the benchmark needs (healthy instances, routing rules). Not thread-safe.
 */
final class PolarisControl implements AutoCloseable {

    private static final Pattern CODE_OK = Pattern.compile("\"code\"\\s*:\\s*200000");
    private static final Pattern HEALTHY = Pattern.compile("\"healthy\"\\s*:\\s*true");
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    private final Path script;
    private final Path runDir;
    private final int httpPort;
    private final int grpcPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();
    private String token;
    private boolean running;

    private PolarisControl(Path script, Path runDir, int httpPort, int grpcPort) {
        this.script = script;
        this.runDir = runDir;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
    }

    /** Starts a server with a fresh store and waits until it serves (at most 120 s). */
    static PolarisControl start(Path script, Path runDir) throws IOException, InterruptedException {
        PolarisControl server = new PolarisControl(script, runDir, freePort(), freePort());
        server.running = true;
        try {
            server.script("start", Duration.ofSeconds(120));
            server.token = server.script("token", Duration.ofSeconds(10)).strip();
        } catch (RuntimeException | IOException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@code 127.0.0.1:<grpc port>}, for {@code polaris.address}. */
    String grpcAddress() {
        return "127.0.0.1:" + grpcPort;
    }

    /** Healthy instances of {@code service} in namespace default; 0 when the server cannot tell. */
    int healthyInstances(String service) throws InterruptedException {
        String body = send("GET", "/naming/v1/instances?service=" + service + "&namespace=default", null);
        if (body == null || !CODE_OK.matcher(body).find()) {
            return 0;
        }
        Matcher healthy = HEALTHY.matcher(body);
        int count = 0;
        while (healthy.find()) {
            count++;
        }
        return count;
    }

    /** Polls until exactly {@code count} instances of {@code service} are healthy. */
    void awaitHealthy(String service, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen;
        while ((seen = healthyInstances(service)) != count) {
            if (System.nanoTime() > deadline) {
                throw new BenchFailure("Polaris lists " + seen + " healthy instances of " + service + " after "
                        + timeout.toSeconds() + " s, expected " + count);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Creates and enables a v2 routing rule on {@code service}: calls with header {@code header=value} go to
     * instances with metadata {@code version=taggedVersion}, all others to {@code version=otherVersion}. Returns
     * its id.
     */
    String createHeaderRouting(String service, String header, String value, String taggedVersion,
            String otherVersion) throws InterruptedException {
        String body = """
                [{"name": "%1$s-bench-route", "namespace": "default", "enable": false, "routing_policy": "RulePolicy",
                  "priority": 0,
                  "routing_config": {"@type": "type.googleapis.com/v1.RuleRoutingConfig", "rules": [
                    {"name": "tagged",
                     "sources": [{"service": "*", "namespace": "*", "arguments": [
                       {"type": "HEADER", "key": "%2$s", "value": {"type": "EXACT", "value": "%3$s", "value_type": "TEXT"}}]}],
                     "destinations": [{"service": "%1$s", "namespace": "default", "name": "tagged", "weight": 100,
                       "labels": {"version": {"type": "EXACT", "value": "%4$s", "value_type": "TEXT"}}}]},
                    {"name": "others",
                     "sources": [{"service": "*", "namespace": "*", "arguments": []}],
                     "destinations": [{"service": "%1$s", "namespace": "default", "name": "others", "weight": 100,
                       "labels": {"version": {"type": "EXACT", "value": "%5$s", "value_type": "TEXT"}}}]}]}}]
                """.formatted(service, header, value, taggedVersion, otherVersion);
        String created = checked("POST", "/naming/v2/routings", body);
        Matcher id = ID.matcher(created);
        if (!id.find()) {
            throw new BenchFailure("no rule id in the answer to POST /naming/v2/routings: " + created);
        }
        checked("PUT", "/naming/v2/routings/enable", "[{\"id\": \"" + id.group(1) + "\", \"enable\": true}]");
        return id.group(1);
    }

    void deleteRouting(String id) throws InterruptedException {
        checked("POST", "/naming/v2/routings/delete", "[{\"id\": \"" + id + "\"}]");
    }

    /** Stops the server (SIGTERM, then SIGKILL by the script); safe to call twice. */
    @Override
    public void close() throws IOException {
        if (running) {
            running = false;
            try {
                script("stop", Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchFailure("interrupted while stopping the Polaris server in " + runDir, e);
            }
        }
    }

    private String checked(String method, String path, String body) throws InterruptedException {
        String answer = send(method, path, body);
        if (answer == null || !CODE_OK.matcher(answer).find()) {
            throw new BenchFailure(method + " " + path + " failed: " + answer);
        }
        return answer;
    }

    /** The answer's body, or null when the server cannot be reached. */
    private String send(String method, String path, String body) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10))
                .header("X-Polaris-Token", token)
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
        } catch (IOException e) {
            return null;
        }
    }

    private String script(String command, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        Path output = runDir.resolve("script-" + command + ".out");
        Path errors = runDir.resolve("script.err");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()));
        builder.environment().putAll(Map.of(
                "POLARIS_RUN_DIR", runDir.toString(),
                "POLARIS_HTTP_PORT", String.valueOf(httpPort),
                "POLARIS_GRPC_PORT", String.valueOf(grpcPort),
                "POLARIS_WATCH_PID", String.valueOf(ProcessHandle.current().pid())));
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new BenchFailure("polaris-server.sh " + command + " did not finish within " + timeout.toSeconds()
                    + " s (see " + runDir + ")");
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new BenchFailure("polaris-server.sh " + command + " failed (exit " + process.exitValue() + "): "
                    + text.strip() + " " + Files.readString(errors, StandardCharsets.UTF_8).strip());
        }
        return text;
    }

    /** A loopback port nobody listened on a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }
}
