package org.polarisagent.samples;

import com.google.protobuf.StringValue;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.internal.JsonParser;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import org.polarisagent.testing.Flags;

/** {@link EchoConsumer}'s parsed command line, and the channel builder it names. Immutable. */
final class ConsumerSettings {

  final String target;
  final String entry;
  final MethodDescriptor<StringValue, StringValue> method;
  final String message;
  final double rate;
  final long calls;
  final Duration duration;
  final Duration deadline;
  final Map<String, ?> serviceConfig;
  final Metadata headers = new Metadata();

  /** The header of every second call ({@code --tagged-header}); null if none. */
  final Metadata taggedHeader;

  final boolean waitForReady;
  final boolean progress;
  final Duration startDelay;
  final int channels;
  final boolean watchProperties;

  ConsumerSettings(Flags flags) {
    target = flags.string("target", "polaris://echo");
    entry = flags.string("entry", "forTarget");
    method = EchoService.methodNamed(flags.string("method", "Echo"));
    message = flags.string("message", "hello");
    rate = flags.number("rate", 50);
    if (rate <= 0) {
      throw new IllegalArgumentException("--rate must be positive");
    }
    Duration maxDuration = flags.duration("max-duration", Duration.ofMinutes(10));
    Duration wanted = flags.duration("duration", null);
    boolean bounded = flags.has("calls") || wanted != null;
    calls = bounded ? flags.integer("calls", Integer.MAX_VALUE) : 100;
    duration = wanted == null || wanted.compareTo(maxDuration) > 0 ? maxDuration : wanted;
    deadline = flags.duration("deadline", Duration.ofSeconds(2));
    startDelay = flags.duration("start-delay", Duration.ZERO);
    channels = flags.integer("channels", 1);
    if (channels < 1) {
      throw new IllegalArgumentException("--channels must be at least 1");
    }
    serviceConfig = serviceConfig(flags.string("service-config", null));
    for (String header : flags.all("header")) {
      putHeader(headers, "header", header);
    }
    String tagged = flags.string("tagged-header", null);
    if (tagged == null) {
      taggedHeader = null;
    } else {
      taggedHeader = new Metadata();
      putHeader(taggedHeader, "tagged-header", tagged);
    }
    waitForReady = flags.bool("wait-for-ready", false);
    progress = flags.bool("progress", true);
    watchProperties = flags.bool("watch-properties", false);
  }

  private static void putHeader(Metadata headers, String flag, String keyValue) {
    int equals = keyValue.indexOf('=');
    if (equals <= 0) {
      throw new IllegalArgumentException("--" + flag + "=" + keyValue + ": expected key=value");
    }
    headers.put(
        Metadata.Key.of(keyValue.substring(0, equals), Metadata.ASCII_STRING_MARSHALLER),
        keyValue.substring(equals + 1));
  }

  /** The channel builder that {@code --entry} names, for {@code --target}. */
  static ManagedChannelBuilder<?> channelBuilder(String entry, String target) {
    switch (entry) {
      case "forTarget":
        return ManagedChannelBuilder.forTarget(target).usePlaintext();
      case "forAddress":
        return ManagedChannelBuilder.forAddress(host(target), port(target)).usePlaintext();
      case "grpcNewChannelBuilder":
        return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create());
      case "grpcNewChannelBuilderForAddress":
        return Grpc.newChannelBuilderForAddress(
            host(target), port(target), InsecureChannelCredentials.create());
      case "netty":
        return NettyChannelBuilder.forTarget(target).usePlaintext();
      case "nettyForAddress":
        return NettyChannelBuilder.forAddress(host(target), port(target)).usePlaintext();
      case "okhttp":
        return OkHttpChannelBuilder.forTarget(target).usePlaintext();
      case "okhttpForAddress":
        return OkHttpChannelBuilder.forAddress(host(target), port(target)).usePlaintext();
      default:
        throw new IllegalArgumentException(
            "--entry="
                + entry
                + ": expected forTarget, forAddress, "
                + "grpcNewChannelBuilder, grpcNewChannelBuilderForAddress, netty, nettyForAddress, okhttp "
                + "or okhttpForAddress");
    }
  }

  private static String host(String target) {
    return target.substring(0, portSeparator(target));
  }

  private static int port(String target) {
    try {
      return Integer.parseInt(target.substring(portSeparator(target) + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--target=" + target + ": a *ForAddress entry needs host:port");
    }
  }

  private static int portSeparator(String target) {
    int colon = target.lastIndexOf(':');
    if (colon <= 0 || target.contains("/")) {
      throw new IllegalArgumentException(
          "--target=" + target + ": a *ForAddress entry needs host:port");
    }
    return colon;
  }

  /** Reads a JSON service config file, as an app that keeps its service config in a file would. */
  @SuppressWarnings("unchecked")
  private static Map<String, ?> serviceConfig(String path) {
    if (path == null) {
      return null;
    }
    try {
      String json = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
      return (Map<String, ?>) JsonParser.parse(json);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("--service-config=" + path + ": " + e.getMessage(), e);
    }
  }
}
