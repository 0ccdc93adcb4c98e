package dev.headstart.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads pipeline.yaml, applies overrides ("train.lr=0.01"), and binds each section to its record.
 * A missing file means all defaults, so a command works with no config at all.
 */
public final class PipelineConfigLoader {
  public static final List<String> SECTIONS =
      List.of("data", "backbone", "extract", "train", "finetune", "report", "run");

  private PipelineConfigLoader() {}

  public static PipelineConfig load(Path file, Map<String, String> overrides) {
    Map<String, Object> tree = new LinkedHashMap<>();
    Path base = file.toAbsolutePath().getParent();
    if (Files.exists(file)) tree = readYaml(file);
    for (Map.Entry<String, String> o : overrides.entrySet()) apply(tree, o.getKey(), o.getValue());
    return bind(tree, base, file);
  }

  /**
   * A pipeline from sections as {@link PipelineConfig#sections()} gives them (what a Spark driver
   * in another JVM receives), relative paths resolving against baseDir.
   */
  public static PipelineConfig fromSections(Map<String, Object> sections, Path baseDir) {
    return bind(new LinkedHashMap<>(sections), baseDir.toAbsolutePath(), baseDir.resolve("pipeline.yaml"));
  }

  public static PipelineConfig defaults(Path baseDir) {
    return bind(new LinkedHashMap<>(), baseDir.toAbsolutePath(), baseDir.resolve("pipeline.yaml"));
  }

  /** Parses "section.key=value" (as given to --set) into a key and a value. */
  public static Map.Entry<String, String> parseAssignment(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("override '" + assignment + "' must look like section.key=value, "
          + "for example train.lr=0.01");
    }
    return Map.entry(assignment.substring(0, eq).trim(), assignment.substring(eq + 1).trim());
  }

  private static Map<String, Object> readYaml(Path file) {
    try (Reader r = Files.newBufferedReader(file)) {
      Object root = new Yaml(new LoaderOptions()).load(r);
      if (root == null) return new LinkedHashMap<>();
      if (!(root instanceof Map<?, ?> m)) {
        throw new ConfigException(file + ": the top level must be a mapping of sections ("
            + String.join(", ", SECTIONS) + ")");
      }
      Map<String, Object> tree = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) tree.put(String.valueOf(e.getKey()), e.getValue());
      return tree;
    } catch (MarkedYAMLException e) {
      throw new ConfigException(file + ": not valid YAML at line "
          + (e.getProblemMark().getLine() + 1) + ": " + e.getProblem(), e);
    } catch (YAMLException e) {
      throw new ConfigException(file + ": not valid YAML: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static void apply(Map<String, Object> tree, String dottedKey, String rawValue) {
    String[] parts = dottedKey.split("\\.", 2);
    if (parts.length != 2 || parts[1].isEmpty()) {
      throw new ConfigException("override '" + dottedKey + "' must name a section and a key, "
          + "for example train.lr");
    }
    checkSection(parts[0], "override '" + dottedKey + "'");
    Object section = tree.computeIfAbsent(parts[0], k -> new LinkedHashMap<String, Object>());
    if (!(section instanceof Map)) {
      throw new ConfigException("section '" + parts[0] + "' must be a mapping");
    }
    Map<String, Object> sectionMap = new LinkedHashMap<>((Map<String, Object>) section);
    Object value = rawValue.isEmpty() ? "" : new Yaml().load(rawValue);
    String key = parts[1];
    // sweep.lr=0.1,0.01 sets one axis of the sweep grid
    int dot = key.indexOf('.');
    if (dot > 0) {
      String outer = key.substring(0, dot);
      Object nested = sectionMap.get(outer);
      Map<String, Object> nestedMap = nested instanceof Map<?, ?> nm
          ? new LinkedHashMap<>((Map<String, Object>) nm) : new LinkedHashMap<>();
      nestedMap.put(key.substring(dot + 1), value);
      sectionMap.put(outer, nestedMap);
    } else {
      sectionMap.put(key, value);
    }
    tree.put(parts[0], sectionMap);
  }

  private static void checkSection(String name, String where) {
    if (!SECTIONS.contains(name)) {
      throw new ConfigException(where + ": unknown section '" + name + "'"
          + DidYouMean.hint(name, SECTIONS) + "; sections are " + String.join(", ", SECTIONS));
    }
  }

  @SuppressWarnings("unchecked")
  private static PipelineConfig bind(Map<String, Object> tree, Path base, Path file) {
    for (String key : tree.keySet()) checkSection(key, file.getFileName().toString());
    Map<String, Map<String, Object>> s = new LinkedHashMap<>();
    for (String name : SECTIONS) {
      Object v = tree.get(name);
      if (v == null) {
        s.put(name, Map.of());
      } else if (v instanceof Map<?, ?> m) {
        Map<String, Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) copy.put(String.valueOf(e.getKey()), e.getValue());
        s.put(name, copy);
      } else {
        throw new ConfigException(file.getFileName() + ": section '" + name
            + "' must be a mapping of keys, got " + v);
      }
    }
    return new PipelineConfig(
        base,
        RecordBinder.bind("data", s.get("data"), DataConfig.DEFAULTS),
        RecordBinder.bind("backbone", s.get("backbone"), BackboneConfig.DEFAULTS),
        RecordBinder.bind("extract", s.get("extract"), ExtractConfig.DEFAULTS),
        RecordBinder.bind("train", s.get("train"), TrainConfig.DEFAULTS),
        RecordBinder.bind("finetune", s.get("finetune"), FinetuneConfig.DEFAULTS),
        RecordBinder.bind("report", s.get("report"), ReportConfig.DEFAULTS),
        RecordBinder.bind("run", s.get("run"), RunnerConfig.DEFAULTS));
  }
}
