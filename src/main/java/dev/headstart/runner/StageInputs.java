package dev.headstart.runner;

import com.google.gson.JsonObject;
import dev.headstart.core.UserException;
import dev.headstart.config.HeadstartVersion;
import dev.headstart.config.PipelineConfig;
import dev.headstart.extract.BackboneLoader;
import dev.headstart.extract.ImageFolderDataset;
import dev.headstart.extract.BackboneSource;
import dev.headstart.features.Manifest;
import dev.headstart.features.ManifestIO;
import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Computes what a stage depends on, as named parts: its config keys, the image files (path, size
 * and modification time, as make does), the backbone files (SHA-256), the upstream outputs it
 * reads, and the headstart version. Two runs with equal parts produce the same outputs.
 */
public final class StageInputs {
  private final PipelineConfig config;
  private String dataFiles;

  public StageInputs(PipelineConfig config) {
    this.config = config;
  }

  public Map<String, String> parts(PipelineStage stage) {
    Map<String, String> parts = new TreeMap<>();
    parts.put("headstart version", HeadstartVersion.VERSION);
    switch (stage) {
      case EXTRACT -> {
        addSections(parts, "data", "backbone", "extract");
        parts.put("data files", dataFiles());
        parts.put("classes", classes());
        parts.put("backbone files", backboneFiles(stage));
      }
      case TRAIN -> {
        addSections(parts, "train");
        parts.put("features location", config.featuresLocation());
        parts.put("features", features());
      }
      case FINETUNE -> {
        addSections(parts, "data", "backbone", "finetune");
        parts.put("data files", dataFiles());
        parts.put("backbone files", backboneFiles(stage));
      }
      case REPORT -> {
        addSections(parts, "report");
        parts.put("runs", runs());
        parts.put("features", features());
      }
    }
    return parts;
  }

  public static String fingerprint(Map<String, String> parts) {
    StringBuilder sb = new StringBuilder();
    parts.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    return Hashing.sha256(sb.toString());
  }

  private void addSections(Map<String, String> parts, String... sections) {
    for (String s : sections) {
      config.section(s).forEach((k, v) -> parts.put(s + "." + k, Json.GSON.toJson(v).replaceAll("\\s+", "")));
    }
  }

  /**
   * Path, size and mtime of every file under the data root: cheap enough for millions of images,
   * and walked once per run although extract and finetune both depend on it.
   */
  private String dataFiles() {
    if (dataFiles == null) dataFiles = walkDataFiles();
    return dataFiles;
  }

  private String walkDataFiles() {
    Path root = config.resolvePath(config.data().root());
    if (!Files.isDirectory(root)) return "missing: " + root;
    MessageDigest md = Hashing.sha256();
    List<String> lines = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile).forEach(p -> {
        try {
          lines.add(root.relativize(p) + "\t" + Files.size(p) + "\t"
              + Files.getLastModifiedTime(p).toMillis());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    lines.sort(null);
    for (String l : lines) md.update((l + "\n").getBytes(StandardCharsets.UTF_8));
    return lines.size() + " files, " + java.util.HexFormat.of().formatHex(md.digest());
  }

  /** The class folders of the train split: a new or renamed class changes every label id. */
  /** The classes the stages will see: ImageFolderDataset's own rule (empty class folders are left out). */
  private String classes() {
    List<String> classes = ImageFolderDataset.classes(config.resolvePath(config.data().root()));
    return classes.isEmpty() ? "none" : String.join(",", classes);
  }

  /**
   * SHA-256 of the model card and of the TorchScript file the stage loads (the inference file at
   * extract's precision, or the trainable file for finetune), found the way the stages find them;
   * a model-zoo URL stands for itself.
   */
  private String backboneFiles(PipelineStage stage) {
    if (config.backbone().isModelZoo()) return config.backbone().uri();
    try {
      BackboneSource source = BackboneLoader.locate(config.backbone(), config.baseDir());
      Path model = stage == PipelineStage.FINETUNE
          ? source.trainableFile() : source.inferenceFile(config.extract().precision());
      return Hashing.sha256(source.cardFile()) + " " + Hashing.sha256(model);
    } catch (UserException | IOException e) {
      // the stage will say what is wrong; here it only has to differ once it is fixed
      return "unusable: " + e.getMessage();
    }
  }

  /**
   * The feature store's identity: its manifest (read wherever the store lives) minus timings
   * and creation time, so a rerun that wrote the same features is the same.
   */
  private String features() {
    try {
      Optional<Manifest> manifest = ManifestIO.readIfExists(config.featuresLocation());
      if (manifest.isEmpty()) return "missing";
      JsonObject m = Json.GSON.toJsonTree(manifest.get()).getAsJsonObject();
      m.remove("timings");
      m.remove("created_at");
      return Hashing.sha256(m.toString());
    } catch (IOException | RuntimeException e) {
      return "unreadable: " + e.getMessage();
    }
  }

  /** Every finished run (its metrics.json and config.json) in the runs folders the report reads. */
  private String runs() {
    Path runs = config.resolvePath(config.report().runs());
    if (!Files.isDirectory(runs)) return "none";
    MessageDigest md = Hashing.sha256();
    try (Stream<Path> list = Files.list(runs)) {
      List<Path> dirs = list.filter(Files::isDirectory).sorted().toList();
      for (Path d : dirs) {
        for (String f : List.of("metrics.json", "config.json")) {
          Path p = d.resolve(f);
          if (Files.isRegularFile(p)) {
            md.update((d.getFileName() + "/" + f + "=" + Hashing.sha256(p) + "\n").getBytes(StandardCharsets.UTF_8));
          }
        }
      }
      try (Stream<Path> csvs = Files.list(runs)) {
        for (Path p : csvs.filter(x -> x.toString().endsWith(".csv")).sorted().toList()) {
          md.update((p.getFileName() + "=" + Hashing.sha256(p) + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      return "unreadable";
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }
}
