package org.polarisagent.plugin.grpc.adapter.server.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.BindableService;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.HandlerRegistry;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.polarisagent.plugin.grpc.CapturedStderr;
import org.polarisagent.plugin.grpc.TestAgentContext;
import org.polarisagent.plugin.grpc.adapter.server.TestProvidedServices;

class ProviderRateLimitingTest {

  /**
   * A server builder that records the interceptors it is given; optionally refuses them like
   * ServerBuilder does.
   */
  static class RecordingBuilder extends ServerBuilder<RecordingBuilder> {
    final List<ServerInterceptor> interceptors = new ArrayList<>();
    private final boolean refuses;

    RecordingBuilder(boolean refuses) {
      this.refuses = refuses;
    }

    @Override
    public RecordingBuilder intercept(ServerInterceptor interceptor) {
      if (refuses) {
        return super.intercept(interceptor);
      }
      interceptors.add(interceptor);
      return this;
    }

    @Override
    public RecordingBuilder directExecutor() {
      return this;
    }

    @Override
    public RecordingBuilder executor(Executor executor) {
      return this;
    }

    @Override
    public RecordingBuilder addService(ServerServiceDefinition service) {
      return this;
    }

    @Override
    public RecordingBuilder addService(BindableService bindableService) {
      return this;
    }

    @Override
    public RecordingBuilder fallbackHandlerRegistry(HandlerRegistry fallbackRegistry) {
      return this;
    }

    @Override
    public RecordingBuilder useTransportSecurity(File certChain, File privateKey) {
      return this;
    }

    @Override
    public RecordingBuilder decompressorRegistry(DecompressorRegistry registry) {
      return this;
    }

    @Override
    public RecordingBuilder compressorRegistry(CompressorRegistry registry) {
      return this;
    }

    @Override
    public Server build() {
      return null;
    }
  }

  private static ProviderRateLimiting rateLimiting() {
    return new ProviderRateLimiting(
        TestAgentContext.withoutSdk(""),
        TestProvidedServices.of("svc", "default", Collections.<Integer>emptySet()));
  }

  @Test
  void eachBuilderGetsTheInterceptorOnceHoweverOftenItIsBuilt() {
    ProviderRateLimiting rateLimiting = rateLimiting();
    RecordingBuilder first = new RecordingBuilder(false);
    RecordingBuilder second = new RecordingBuilder(false);
    rateLimiting.attach(first);
    rateLimiting.attach(first);
    rateLimiting.attach(second);
    assertEquals(1, first.interceptors.size());
    assertEquals(1, second.interceptors.size());
    assertTrue(first.interceptors.get(0) instanceof RateLimitInterceptor);
  }

  @Test
  void aBuilderThatTakesNoInterceptorGetsOneWarningPerType() {
    ProviderRateLimiting rateLimiting = rateLimiting();
    String stderr =
        CapturedStderr.during(
            () -> {
              rateLimiting.attach(new RecordingBuilder(true));
              rateLimiting.attach(new RecordingBuilder(true));
            });
    assertEquals(1, stderr.split("takes no interceptor", -1).length - 1, stderr);
  }
}
