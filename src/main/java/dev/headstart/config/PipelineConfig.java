package dev.headstart.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole of pipeline.yaml after defaults and overrides, as immutable records.
 *
 * @param baseDir the folder of pipeline.yaml; relative paths in it resolve against this folder
 */
public record PipelineConfig(
    Path baseDir,
    DataConfig data,
    BackboneConfig backbone,
    ExtractConfig extract,
    TrainConfig train,
    FinetuneConfig finetune,
    ReportConfig report,
    RunnerConfig run) {

  /** A path from the config, resolved against the config's folder (URIs such as hdfs:// pass through). */
  public String resolve(String pathOrUri) {
    if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*")) return pathOrUri;
    return baseDir.resolve(pathOrUri).normalize().toString();
  }

  public Path resolvePath(String path) {
    return baseDir.resolve(path).normalize();
  }

  /** The feature store the train stage reads: train.features, else extract.out. */
  public String featuresLocation() {
    return resolve(train.features().isBlank() ? extract.out() : train.features());
  }

  /** Each section as a snake_case map: what config.json records and what fingerprints hash. */
  public Map<String, Object> section(String name) {
    return switch (name) {
      case "data" -> RecordBinder.toMap(data);
      case "backbone" -> RecordBinder.toMap(backbone);
      case "extract" -> RecordBinder.toMap(extract);
      case "train" -> RecordBinder.toMap(train);
      case "finetune" -> RecordBinder.toMap(finetune);
      case "report" -> RecordBinder.toMap(report);
      case "run" -> RecordBinder.toMap(run);
      default -> throw new IllegalArgumentException(name);
    };
  }

  public Map<String, Map<String, Object>> sections() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (String s : PipelineConfigLoader.SECTIONS) out.put(s, section(s));
    return out;
  }

  /** The same pipeline with other extract settings. */
  public PipelineConfig withExtract(ExtractConfig other) {
    return new PipelineConfig(baseDir, data, backbone, other, train, finetune, report, run);
  }
}
