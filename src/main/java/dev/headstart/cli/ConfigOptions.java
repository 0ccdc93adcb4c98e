package dev.headstart.cli;

import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every stage shares: which pipeline.yaml, and --set overrides. Stage commands add
 * plain options (--lr, --epochs) by calling {@link #override} with the key they stand for, so a
 * plain option and --set train.lr=... are one mechanism.
 */
public final class ConfigOptions {
  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "pipeline.yaml",
      description = "Pipeline configuration (default: ${DEFAULT-VALUE}). Missing = all defaults.")
  Path configFile;

  @Option(names = "--set", paramLabel = "SECTION.KEY=VALUE",
      description = "Override any key of pipeline.yaml for this run, e.g. --set train.lr=0.01. Repeatable.")
  List<String> assignments = new ArrayList<>();

  @Option(names = {"-v", "--verbose"}, description = "Show informational logs (quiet by default).")
  boolean verbose;

  private final Map<String, String> plainOverrides = new LinkedHashMap<>();

  /** Records a plain option's value as an override of key (ignored when the option was not given). */
  public void override(String key, Object value) {
    if (value != null) plainOverrides.put(key, String.valueOf(value));
  }

  public Map<String, String> overrides() {
    Map<String, String> all = new LinkedHashMap<>();
    for (String a : assignments) {
      Map.Entry<String, String> e = PipelineConfigLoader.parseAssignment(a);
      all.put(e.getKey(), e.getValue());
    }
    all.putAll(plainOverrides);
    return all;
  }

  public Path configFile() {
    return configFile;
  }

  public PipelineConfig load() {
    return PipelineConfigLoader.load(configFile, overrides());
  }
}
