package org.polarisagent.core.sdk;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A compact binary copy of a graph of SDK configuration beans, written at build time and read at
 * run time instead of binding the SDK's default yaml.
 *
 * <p>Values are strings, boxed integers, longs, booleans and doubles, enums, lists (read back as
 * {@code ArrayList}), sets ({@code LinkedHashSet}), hash, linked and concurrent hash maps (and
 * empty maps of any kind, read back as hash maps), and beans. A bean is made with its no-arg
 * constructor, then every instance field is set, superclass fields included, except fields holding
 * the SDK's Jackson objects, which keep what the constructor made. A final field is never set
 * (newer JDKs warn about it, then refuse): a final collection or map the constructor made is given
 * the written contents, a final lock keeps the constructor's, any other final field must already
 * hold the written value. Shared objects stay shared. Reading fails (and writing too) on anything
 * else, and reading fails when a class's fields are not exactly those written: a snapshot never
 * half-applies. Not thread-safe per stream; the methods keep no state.
 */
final class ConfigSnapshot {

  private static final int MAGIC = 0x50414331; // "PAC1"
  private static final String JACKSON = "shade.polaris.com.fasterxml.jackson.";

  private static final byte NULL = 0;
  private static final byte REF = 1;
  private static final byte STRING = 2;
  private static final byte INT = 3;
  private static final byte LONG = 4;
  private static final byte BOOLEAN = 5;
  private static final byte DOUBLE = 6;
  private static final byte ENUM = 7;
  private static final byte LIST = 8;
  private static final byte SET = 9;
  private static final byte HASH_MAP = 10;
  private static final byte LINKED_MAP = 11;
  private static final byte CONCURRENT_MAP = 12;
  private static final byte OBJECT = 13;
  private static final byte BEAN = 14;

  private ConfigSnapshot() {}

  static void write(Object root, OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    new Writer(data).value(root);
    data.flush();
  }

  /** Reads a graph written by {@link #write}, loading its classes from {@code loader}. */
  static Object read(InputStream in, ClassLoader loader) throws IOException {
    DataInputStream data = new DataInputStream(in);
    if (data.readInt() != MAGIC) {
      throw new IOException("not a configuration snapshot");
    }
    try {
      return new Reader(data, loader).value();
    } catch (IOException e) {
      throw e;
    } catch (Exception | LinkageError e) {
      throw new IOException("cannot read the configuration snapshot: " + e, e);
    }
  }

  /** The fields a snapshot holds for beans of this class, superclass fields last. */
  private static List<Field> fields(Class<?> type) {
    List<Field> fields = new ArrayList<>();
    for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (!Modifier.isStatic(field.getModifiers())
            && !field.isSynthetic()
            && !field.getType().getName().startsWith(JACKSON)) {
          field.setAccessible(true);
          fields.add(field);
        }
      }
    }
    return fields;
  }

  private static final class Writer {
    private final DataOutputStream out;
    private final Map<Object, Integer> written = new IdentityHashMap<>();

    Writer(DataOutputStream out) {
      this.out = out;
    }

    void value(Object value) throws IOException {
      if (value == null) {
        out.writeByte(NULL);
      } else if (value instanceof String) {
        out.writeByte(STRING);
        out.writeUTF((String) value);
      } else if (value instanceof Integer) {
        out.writeByte(INT);
        out.writeInt((Integer) value);
      } else if (value instanceof Long) {
        out.writeByte(LONG);
        out.writeLong((Long) value);
      } else if (value instanceof Boolean) {
        out.writeByte(BOOLEAN);
        out.writeBoolean((Boolean) value);
      } else if (value instanceof Double) {
        out.writeByte(DOUBLE);
        out.writeDouble((Double) value);
      } else if (value instanceof Enum) {
        out.writeByte(ENUM);
        out.writeUTF(((Enum<?>) value).getDeclaringClass().getName());
        out.writeUTF(((Enum<?>) value).name());
      } else {
        Integer id = written.get(value);
        if (id != null) {
          out.writeByte(REF);
          out.writeInt(id);
        } else {
          written.put(value, written.size());
          object(value);
        }
      }
    }

    private void object(Object value) throws IOException {
      if (value instanceof List || value instanceof Set) {
        out.writeByte(value instanceof List ? LIST : SET);
        Collection<?> elements = (Collection<?>) value;
        out.writeInt(elements.size());
        for (Object element : elements) {
          value(element);
        }
      } else if (value instanceof Map) {
        out.writeByte(mapTag((Map<?, ?>) value));
        Map<?, ?> map = (Map<?, ?>) value;
        out.writeInt(map.size());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          value(entry.getKey());
          value(entry.getValue());
        }
      } else if (value.getClass() == Object.class) {
        out.writeByte(OBJECT);
      } else if (value.getClass().isArray() || value.getClass().getName().startsWith("java")) {
        throw new IOException("cannot snapshot a " + value.getClass().getName());
      } else {
        bean(value);
      }
    }

    /** Empty maps of any kind read back as hash maps; other maps only as what they are. */
    private byte mapTag(Map<?, ?> map) throws IOException {
      Class<?> type = map.getClass();
      if (type == HashMap.class || map.isEmpty()) {
        return HASH_MAP;
      } else if (type == LinkedHashMap.class) {
        return LINKED_MAP;
      } else if (type == ConcurrentHashMap.class) {
        return CONCURRENT_MAP;
      }
      throw new IOException("cannot snapshot a " + type.getName());
    }

    private void bean(Object bean) throws IOException {
      List<Field> fields = fields(bean.getClass());
      out.writeByte(BEAN);
      out.writeUTF(bean.getClass().getName());
      out.writeShort(fields.size());
      for (Field field : fields) {
        out.writeUTF(field.getDeclaringClass().getName());
        out.writeUTF(field.getName());
        try {
          value(field.get(bean));
        } catch (IllegalAccessException e) {
          throw new IOException(e);
        }
      }
    }
  }

  private static final class Reader {
    private final DataInputStream in;
    private final ClassLoader loader;
    private final List<Object> read = new ArrayList<>();
    private final Map<String, Class<?>> classes = new HashMap<>();
    private final Map<Class<?>, Integer> fieldCounts = new HashMap<>();
    private final Map<String, Field> fields = new HashMap<>();

    Reader(DataInputStream in, ClassLoader loader) {
      this.in = in;
      this.loader = loader;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    Object value() throws Exception {
      byte tag = in.readByte();
      switch (tag) {
        case NULL:
          return null;
        case REF:
          return read.get(in.readInt());
        case STRING:
          return in.readUTF();
        case INT:
          return in.readInt();
        case LONG:
          return in.readLong();
        case BOOLEAN:
          return in.readBoolean();
        case DOUBLE:
          return in.readDouble();
        case ENUM:
          return Enum.valueOf((Class) type(in.readUTF()), in.readUTF());
        case LIST:
          return elements(new ArrayList<>());
        case SET:
          return elements(new LinkedHashSet<>());
        case HASH_MAP:
          return entries(new HashMap<>());
        case LINKED_MAP:
          return entries(new LinkedHashMap<>());
        case CONCURRENT_MAP:
          return entries(new ConcurrentHashMap<>());
        case OBJECT:
          return remember(new Object());
        case BEAN:
          return bean();
        default:
          throw new IOException("bad tag " + tag);
      }
    }

    private <T> T remember(T value) {
      read.add(value);
      return value;
    }

    private Collection<Object> elements(Collection<Object> elements) throws Exception {
      remember(elements);
      for (int i = in.readInt(); i > 0; i--) {
        elements.add(value());
      }
      return elements;
    }

    private Map<Object, Object> entries(Map<Object, Object> map) throws Exception {
      remember(map);
      for (int i = in.readInt(); i > 0; i--) {
        map.put(value(), value());
      }
      return map;
    }

    private Object bean() throws Exception {
      Class<?> type = type(in.readUTF());
      Constructor<?> constructor = type.getDeclaredConstructor();
      constructor.setAccessible(true);
      Object bean = remember(constructor.newInstance());
      int count = in.readShort();
      Integer expected = fieldCounts.get(type);
      if (expected == null) {
        expected = fields(type).size();
        fieldCounts.put(type, expected);
      }
      if (count != expected) {
        throw new IOException(type.getName() + " has " + expected + " fields, not " + count);
      }
      for (int i = 0; i < count; i++) {
        Field field = field(in.readUTF(), in.readUTF());
        Object value = value();
        if (Modifier.isFinal(field.getModifiers())) {
          keepFinal(field, bean, value);
        } else {
          field.set(bean, value);
        }
      }
      return bean;
    }

    /** Gives a final field the written value without setting it; fails where it cannot. */
    @SuppressWarnings("unchecked")
    private static void keepFinal(Field field, Object bean, Object value) throws Exception {
      Object made = field.get(bean);
      if (made instanceof Map && value instanceof Map) {
        ((Map<Object, Object>) made).clear();
        ((Map<Object, Object>) made).putAll((Map<Object, Object>) value);
      } else if (made instanceof Collection && value instanceof Collection) {
        ((Collection<Object>) made).clear();
        ((Collection<Object>) made).addAll((Collection<Object>) value);
      } else if (made == null
          ? value != null
          : made.getClass() != Object.class && !made.equals(value)) {
        throw new IOException(
            "final field " + field + " holds " + made + " after construction, not " + value);
      }
    }

    private Class<?> type(String name) throws ClassNotFoundException {
      Class<?> type = classes.get(name);
      if (type == null) {
        type = Class.forName(name, false, loader);
        classes.put(name, type);
      }
      return type;
    }

    private Field field(String owner, String name) throws Exception {
      String key = owner + '#' + name;
      Field field = fields.get(key);
      if (field == null) {
        field = type(owner).getDeclaredField(name);
        field.setAccessible(true);
        fields.put(key, field);
      }
      return field;
    }
  }
}
