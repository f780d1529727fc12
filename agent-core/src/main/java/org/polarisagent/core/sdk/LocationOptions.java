package org.polarisagent.core.sdk;

import java.lang.reflect.Field;
import java.util.Map;
import shade.polaris.com.google.gson.Gson;

/**
 * What the SDK's location providers use, once the dist build rewrote them ({@link
 * LocationOptionsRewrite}), to turn their options into their option type, where they made a Gson to
 * write the options as JSON and read them back. Options of the type the local provider uses
 * (region, zone, campus, all text; the remote HTTP one uses it too) are copied field by field, so
 * that the SDK's start loads no Gson (about 130 classes, some 50 ms on 2 cores); any other
 * conversion takes a Gson as before. Not thread-safe: the SDK makes one per conversion.
 */
public final class LocationOptions {

  /** The local provider's option type; the names of its fields that options set are below. */
  static final String LOCAL_OPTION =
      "com.tencent.polaris.plugin.location.base.BaseLocationProvider$GetOption";

  private static final String[] LOCAL_FIELDS = {"region", "zone", "campus"};

  private Object options;

  /** Made where the SDK made its Gson. */
  public LocationOptions() {}

  /** Takes the options to convert; what it returns is only handed back to {@link #fromJson}. */
  public String toJson(Object options) {
    this.options = options;
    return "";
  }

  /** The options taken by {@link #toJson} as an instance of {@code type}. */
  public <T> T fromJson(String ignored, Class<T> type) {
    T copied = copied(options, type);
    if (copied != null) {
      return copied;
    }
    Gson gson = new Gson();
    return gson.fromJson(gson.toJson(options), type);
  }

  /** Options copied into the local provider's option type; null for any other type or value. */
  static <T> T copied(Object options, Class<T> type) {
    if (!LOCAL_OPTION.equals(type.getName()) || !(options instanceof Map)) {
      return null;
    }
    Map<?, ?> values = (Map<?, ?>) options;
    try {
      T option = type.getDeclaredConstructor().newInstance();
      for (String name : LOCAL_FIELDS) {
        Object value = values.get(name);
        if (value != null && !(value instanceof String)) {
          return null;
        }
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        field.set(option, value);
      }
      return option;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
