package org.polarisagent.core.sdk;

import shade.polaris.com.fasterxml.jackson.databind.DeserializationFeature;
import shade.polaris.com.fasterxml.jackson.databind.ObjectMapper;
import shade.polaris.com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The Jackson mappers of the SDK's configuration classes, each made the first time it is used. The
 * SDK made them eagerly (one per plugin configuration object, one when {@code ConfigUtils}
 * initializes), which loaded some 360 Jackson classes at every SDK start although the agent's
 * configuration snapshot never needs them; the dist build points those classes here instead ({@link
 * JacksonRewrite}). Each is configured as the SDK configured its own. Thread-safe.
 */
public final class SdkJackson {

  private SdkJackson() {}

  /** The mapper of {@code PluginConfigImpl}: unknown properties and empty beans allowed. */
  public static ObjectMapper pluginConfigMapper() {
    return PluginConfigs.MAPPER;
  }

  /** The mapper of {@code ConfigUtils}: Jackson's defaults. */
  public static ObjectMapper plainMapper() {
    return Plain.MAPPER;
  }

  private static final class PluginConfigs {
    static final ObjectMapper MAPPER =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
  }

  private static final class Plain {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }
}
