package org.polarisagent.bench;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Polaris server of a benchmark run, driven through {@code polaris-server.sh} with its own run directory
 * and free loopback ports. The server is told to stop by itself once this JVM is gone. Not thread-safe.
 */
final class PolarisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern HEALTHY_TRUE = Pattern.compile("\"healthy\"\\s*:\\s*true");
    private static final Pattern CODE_OK = Pattern.compile("\"code\"\\s*:\\s*200000");

    private final Path script;
    private final Path runDir;
    private final int httpPort;
    private final int grpcPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String token;
    private boolean started;

    private PolarisServer(Path script, Path runDir, int httpPort, int grpcPort) {
        this.script = script;
        this.runDir = runDir;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
    }

    /** Starts a server with a fresh store on two free loopback ports and waits until it serves. */
    static PolarisServer start(Path script, Path runDir) throws IOException, InterruptedException {
        PolarisServer server = new PolarisServer(script, runDir, freePort(), freePort());
        server.started = true;
        try {
            server.run("start", START_TIMEOUT);
            server.token = server.run("token", Duration.ofSeconds(10)).strip();
        } catch (RuntimeException | IOException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@code 127.0.0.1:<grpc port>}, the address the agent talks to. */
    String grpcAddress() {
        return "127.0.0.1:" + grpcPort;
    }

    /** Healthy instances Polaris lists for {@code service} in namespace default; 0 if it cannot tell. */
    int healthyInstances(String service) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                        + "/naming/v1/instances?service=" + service + "&namespace=default"))
                .timeout(Duration.ofSeconds(2))
                .header("X-Polaris-Token", token)
                .build();
        try {
            String body = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
            if (!CODE_OK.matcher(body).find()) {
                return 0;
            }
            Matcher healthy = HEALTHY_TRUE.matcher(body);
            int count = 0;
            while (healthy.find()) {
                count++;
            }
            return count;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Polls until Polaris lists exactly {@code count} healthy instances of {@code service}. */
    void awaitHealthy(String service, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen;
        while ((seen = healthyInstances(service)) != count) {
            if (System.nanoTime() > deadline) {
                throw new BenchException("Polaris lists " + seen + " healthy instances of " + service + " after "
                        + timeout.toSeconds() + " s, expected " + count + " (server log: " + runDir + ")");
            }
            Thread.sleep(100);
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL by the script); safe to call twice. */
    @Override
    public void close() throws IOException {
        if (started) {
            started = false;
            try {
                run("stop", STOP_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted while stopping the Polaris server in " + runDir, e);
            }
        }
    }

    /** Runs the script with one command; returns its stdout, or throws with its output if it fails. */
    private String run(String command, Duration timeout) throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        Path output = runDir.resolve("script-" + command + ".out");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), command)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(output.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(runDir.resolve("script.err").toFile()));
        Map<String, String> env = builder.environment();
        env.putAll(Map.of(
                "POLARIS_RUN_DIR", runDir.toString(),
                "POLARIS_HTTP_PORT", String.valueOf(httpPort),
                "POLARIS_GRPC_PORT", String.valueOf(grpcPort),
                "POLARIS_WATCH_PID", String.valueOf(ProcessHandle.current().pid())));
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new BenchException("polaris-server.sh " + command + " did not finish within "
                    + timeout.toSeconds() + " s (see " + runDir + ")");
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            List<String> err = Files.readAllLines(runDir.resolve("script.err"), StandardCharsets.UTF_8);
            throw new BenchException("polaris-server.sh " + command + " failed (exit " + process.exitValue() + "): "
                    + text.strip() + "\n    " + String.join("\n    ",
                    err.subList(Math.max(0, err.size() - 15), err.size())));
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
