package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tencent.polaris.plugins.circuitbreaker.errcount.Config;
import java.lang.reflect.Field;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SDK's configuration classes, rewritten as the dist build rewrites them, make no Jackson
 * mapper when they initialize and still bind and convert with the mappers of {@link SdkJackson}.
 */
class JacksonRewriteTest {

  @Test
  void aPluginConfigurationMakesNoMapperAndItsPropertiesStillBind() throws Exception {
    Class<?> rewritten =
        ClassFiles.rewritten(JacksonRewrite.PLUGIN_CONFIG, JacksonRewrite::pluginConfig);
    Object pluginConfig = rewritten.getConstructor().newInstance();
    assertNull(field(rewritten, "mapper").get(pluginConfig), "a mapper made by the constructor");

    @SuppressWarnings("unchecked")
    Map<String, Map<?, ?>> properties =
        (Map<String, Map<?, ?>>) rewritten.getMethod("getPlugin").invoke(pluginConfig);
    properties.put("errorCount", Collections.singletonMap("continuousErrorThreshold", 7));
    Config bound =
        (Config)
            rewritten
                .getMethod("getPluginConfig", String.class, Class.class)
                .invoke(pluginConfig, "errorCount", Config.class);
    assertEquals(7, bound.getContinuousErrorThreshold());
  }

  @Test
  void configUtilsMakesNoMapperWhenItInitializesAndStillConvertsBeans() throws Exception {
    Class<?> rewritten =
        ClassFiles.rewritten(JacksonRewrite.CONFIG_UTILS, JacksonRewrite::configUtils);
    assertNull(field(rewritten, "MAPPER").get(null), "a mapper made by the class initializer");

    Config config = new Config();
    config.setContinuousErrorThreshold(5);
    Map<?, ?> converted =
        (Map<?, ?>) rewritten.getMethod("objectToMap", Object.class).invoke(null, config);
    assertEquals(5, converted.get("continuousErrorThreshold"));
  }

  @Test
  void aClassRewrittenAlreadyIsRefused() {
    byte[] pluginConfig =
        JacksonRewrite.pluginConfig(ClassFiles.bytes(JacksonRewrite.PLUGIN_CONFIG));
    assertThrows(IllegalArgumentException.class, () -> JacksonRewrite.pluginConfig(pluginConfig));
    byte[] configUtils = JacksonRewrite.configUtils(ClassFiles.bytes(JacksonRewrite.CONFIG_UTILS));
    assertThrows(IllegalArgumentException.class, () -> JacksonRewrite.configUtils(configUtils));
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field field = type.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }
}
