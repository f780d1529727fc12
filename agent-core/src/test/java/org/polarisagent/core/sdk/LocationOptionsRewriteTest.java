package org.polarisagent.core.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tencent.polaris.factory.config.global.LocationProviderConfigImpl;
import com.tencent.polaris.specification.api.v1.model.ModelProto;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SDK's location providers without Gson, as the dist build rewrites them. */
class LocationOptionsRewriteTest {

  private static final String LOCAL_PROVIDER =
      "com.tencent.polaris.plugin.location.local.LocalLocationProvider";

  @Test
  void theLocalProviderReadsItsOptionsWithoutGson() throws Exception {
    byte[] rewritten =
        LocationOptionsRewrite.rewrite(ClassFiles.bytes(LocationOptionsRewrite.BASE_PROVIDER));
    assertFalse(
        new String(rewritten, StandardCharsets.ISO_8859_1).contains("google/gson"),
        "the rewritten class still names Gson");

    Map<String, Object> options = new HashMap<>();
    options.put("region", "south");
    options.put("zone", "sz");
    options.put("campus", "a");
    assertNotNull(
        LocationOptions.copied(
            options,
            Class.forName(LocationOptions.LOCAL_OPTION, false, getClass().getClassLoader())),
        "the local provider's options must be copied, not converted by Gson");
    ModelProto.Location location = localLocation(options);
    assertEquals("south", location.getRegion().getValue());
    assertEquals("sz", location.getZone().getValue());
    assertEquals("a", location.getCampus().getValue());

    assertNull(localLocation(new HashMap<>()), "no location when none is configured");
  }

  @Test
  void optionsOtherThanTheLocalProvidersTakeGson() {
    Map<String, Object> options = new HashMap<>();
    options.put("region", 7);
    assertNull(LocationOptions.copied(options, StringHolder.class));
    LocationOptions converter = new LocationOptions();
    StringHolder converted = converter.fromJson(converter.toJson(options), StringHolder.class);
    assertEquals("7", converted.region);
  }

  @Test
  void aClassRewrittenAlreadyIsRefused() {
    byte[] once =
        LocationOptionsRewrite.rewrite(ClassFiles.bytes(LocationOptionsRewrite.BASE_PROVIDER));
    assertThrows(IllegalArgumentException.class, () -> LocationOptionsRewrite.rewrite(once));
  }

  /** The location of a local provider of the rewritten base class with these options. */
  private static ModelProto.Location localLocation(Map<String, Object> options) throws Exception {
    Class<?> provider =
        ClassFiles.rewritten(
                LocationOptionsRewrite.BASE_PROVIDER,
                LocationOptionsRewrite::rewrite,
                LOCAL_PROVIDER)
            .getClassLoader()
            .loadClass(LOCAL_PROVIDER);
    Object local = provider.getDeclaredConstructor().newInstance();
    LocationProviderConfigImpl config = new LocationProviderConfigImpl();
    Field optionsField = LocationProviderConfigImpl.class.getDeclaredField("options");
    optionsField.setAccessible(true);
    optionsField.set(config, options);
    Field configField = provider.getSuperclass().getDeclaredField("providerConfig");
    configField.setAccessible(true);
    configField.set(local, config);
    return (ModelProto.Location) provider.getMethod("getLocation").invoke(local);
  }

  /** An option type of another provider. */
  static final class StringHolder {
    String region;
  }
}
