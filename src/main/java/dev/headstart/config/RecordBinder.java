package dev.headstart.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds one YAML section (a map with snake_case keys) onto a configuration record, starting from
 * the record's defaults. Unknown keys and wrong types are errors that name the key, so a typo in
 * pipeline.yaml never silently falls back to a default.
 */
public final class RecordBinder {
  private RecordBinder() {}

  public static <R extends Record> R bind(String section, Map<String, Object> values, R defaults) {
    @SuppressWarnings("unchecked")
    Class<R> type = (Class<R>) defaults.getClass();
    RecordComponent[] components = type.getRecordComponents();
    List<String> known = keys(type);
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        throw new ConfigException(
            "unknown key '" + section + "." + key + "'" + DidYouMean.hint(key, known)
                + "; known keys of '" + section + "': " + String.join(", ", known));
      }
    }

    Object[] args = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      types[i] = c.getType();
      String key = snake(c.getName());
      try {
        if (isFlat(c)) {
          // its keys sit in this section: bind them onto the defaults' own group
          Map<String, Object> own = new LinkedHashMap<>();
          for (String k : keys(c.getType())) if (values.containsKey(k)) own.put(k, values.get(k));
          args[i] = bind(section, own, (Record) c.getAccessor().invoke(defaults));
          continue;
        }
        if (c.getType().isRecord()) {
          // a group of its own: section.key.* keys, given as a nested mapping
          Object v = values.get(key);
          if (v != null && !(v instanceof Map<?, ?>)) {
            throw new ConfigException("'" + section + "." + key + "' must be a mapping of "
                + String.join(", ", keys(c.getType())) + ", got '" + v + "'");
          }
          Map<String, Object> own = new LinkedHashMap<>();
          if (v instanceof Map<?, ?> m) m.forEach((k, x) -> own.put(String.valueOf(k), x));
          args[i] = bind(section + "." + key, own, (Record) c.getAccessor().invoke(defaults));
          continue;
        }
        args[i] = values.containsKey(key)
            ? convert(section + "." + key, values.get(key), c.getGenericType())
            : c.getAccessor().invoke(defaults);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      Constructor<R> ctor = type.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof ConfigException ce) throw ce;
      if (e.getCause() instanceof IllegalArgumentException iae) {
        throw new ConfigException(section + ": " + iae.getMessage(), iae);
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The record's values as a snake_case map, in declaration order (for config.json and
   * fingerprints): shared groups of settings flat, as pipeline.yaml writes them, and choices as
   * their lower-case ids.
   */
  public static Map<String, Object> toMap(Record record) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : record.getClass().getRecordComponents()) {
      try {
        Object v = c.getAccessor().invoke(record);
        if (isFlat(c)) {
          out.putAll(toMap((Record) v));
        } else if (v instanceof Record nested) {
          out.put(snake(c.getName()), toMap(nested));
        } else {
          out.put(snake(c.getName()), v instanceof Choice choice ? choice.id() : v);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** The keys a section's record takes, shared groups included, in declaration order. */
  public static List<String> keys(Class<?> recordType) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : recordType.getRecordComponents()) {
      if (isFlat(c)) out.addAll(keys(c.getType()));
      else out.add(snake(c.getName()));
    }
    return out;
  }

  private static boolean isFlat(RecordComponent c) {
    return FlatSettings.class.isAssignableFrom(c.getType()) && c.getType().isRecord();
  }

  public static String snake(String camel) {
    StringBuilder sb = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) sb.append('_').append(Character.toLowerCase(ch));
      else sb.append(ch);
    }
    return sb.toString();
  }

  static Object convert(String key, Object value, Type type) {
    if (type instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      if (List.class.isAssignableFrom(raw)) {
        List<?> items = value instanceof List<?> l ? l : splitList(value);
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
          out.add(convert(key + "[" + i + "]", items.get(i), p.getActualTypeArguments()[0]));
        }
        return List.copyOf(out);
      }
      if (Map.class.isAssignableFrom(raw)) {
        if (value == null) return Map.of();
        if (!(value instanceof Map<?, ?> m)) {
          throw new ConfigException("'" + key + "' must be a mapping, got " + describe(value));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          String sub = String.valueOf(e.getKey());
          out.put(sub, convert(key + "." + sub, e.getValue(), p.getActualTypeArguments()[1]));
        }
        return java.util.Collections.unmodifiableMap(out);
      }
    }
    Class<?> cls = (Class<?>) type;
    if (value == null) {
      throw new ConfigException("'" + key + "' has no value; give a " + cls.getSimpleName().toLowerCase());
    }
    if (cls == String.class) return String.valueOf(value);
    if (cls.isEnum() && Choice.class.isAssignableFrom(cls)) return choice(key, value, cls);
    if (cls == int.class || cls == Integer.class) {
      Number n = number(key, value);
      if (n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new ConfigException("'" + key + "' must be a whole number, got " + value);
      }
      return n.intValue();
    }
    if (cls == long.class || cls == Long.class) return number(key, value).longValue();
    if (cls == double.class || cls == Double.class) return number(key, value).doubleValue();
    if (cls == boolean.class || cls == Boolean.class) {
      if (value instanceof Boolean b) return b;
      String s = String.valueOf(value).trim().toLowerCase();
      if (s.equals("true") || s.equals("yes")) return true;
      if (s.equals("false") || s.equals("no")) return false;
      throw new ConfigException("'" + key + "' must be true or false, got " + describe(value));
    }
    throw new IllegalStateException("unsupported config type " + type + " for " + key);
  }

  private static Object choice(String key, Object value, Class<?> cls) {
    String v = String.valueOf(value).trim();
    List<String> ids = new ArrayList<>();
    for (Object constant : cls.getEnumConstants()) {
      String id = ((Choice) constant).id();
      if (id.equalsIgnoreCase(v)) return constant;
      ids.add(id);
    }
    throw new ConfigException("'" + key + "' must be one of " + ids + ", got '" + v + "'" + DidYouMean.hint(v, ids));
  }

  private static List<?> splitList(Object value) {
    if (value == null) return List.of();
    String s = String.valueOf(value).trim();
    if (s.isEmpty()) return List.of();
    List<Object> out = new ArrayList<>();
    for (String part : s.split(",")) out.add(part.trim());
    return out;
  }

  private static Number number(String key, Object value) {
    if (value instanceof Number n) return n;
    try {
      return Double.parseDouble(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      throw new ConfigException("'" + key + "' must be a number, got " + describe(value));
    }
  }

  private static String describe(Object value) {
    return value instanceof String ? "'" + value + "'" : String.valueOf(value);
  }
}
