package org.polarisagent.core.sdk;

import com.tencent.polaris.api.config.ConfigProvider;
import com.tencent.polaris.api.config.Configuration;
import com.tencent.polaris.api.config.configuration.ConfigFileConfig;
import com.tencent.polaris.api.config.consumer.ConsumerConfig;
import com.tencent.polaris.api.config.global.GlobalConfig;
import com.tencent.polaris.api.config.provider.ProviderConfig;
import com.tencent.polaris.config.internal.DefaultConfigProvider;

/**
 * The SDK's default configuration, bound from its yaml only when first used.
 *
 * <p>The agent jar lists this provider instead of the SDK's {@link DefaultConfigProvider}: the SDK
 * asks every provider for its configuration as soon as its configuration class initializes, and the
 * SDK's provider then binds the yaml at once, even when the agent starts from its snapshot and
 * never needs it. Filling in defaults (an SDK yaml given, no usable snapshot) still gets the SDK's
 * own. Thread-safe.
 */
public final class LazyDefaultConfigProvider implements ConfigProvider {

  @Override
  public String getName() {
    return DEFAULT_CONFIG;
  }

  @Override
  public Configuration getDefaultConfig() {
    return new LazyConfiguration();
  }

  private static final class LazyConfiguration implements Configuration {

    private Configuration bound;

    private synchronized Configuration bound() {
      if (bound == null) {
        bound = new DefaultConfigProvider().getDefaultConfig();
      }
      return bound;
    }

    @Override
    public GlobalConfig getGlobal() {
      return bound().getGlobal();
    }

    @Override
    public ConsumerConfig getConsumer() {
      return bound().getConsumer();
    }

    @Override
    public ProviderConfig getProvider() {
      return bound().getProvider();
    }

    @Override
    public ConfigFileConfig getConfigFile() {
      return bound().getConfigFile();
    }

    @Override
    public void verify() {
      bound().verify();
    }

    @Override
    public void setDefault(Object defaults) {
      bound().setDefault(defaults);
    }
  }
}
