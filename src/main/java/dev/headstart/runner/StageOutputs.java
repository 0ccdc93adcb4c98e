package dev.headstart.runner;

import dev.headstart.config.PipelineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What each stage leaves behind. Training stages name their runs themselves, so the runner
 * notes which run folders a stage created or rewrote (by metrics.json, which is written last).
 */
final class StageOutputs {
  private final PipelineConfig config;

  StageOutputs(PipelineConfig config) {
    this.config = config;
  }

  /** A snapshot taken before a stage runs, to tell afterwards what it wrote. */
  Map<String, Long> snapshot(PipelineStage stage) {
    Path runs = runsFolder(stage);
    Map<String, Long> mtimes = new HashMap<>();
    if (runs == null || !Files.isDirectory(runs)) return mtimes;
    try (Stream<Path> list = Files.list(runs)) {
      for (Path d : list.filter(Files::isDirectory).toList()) {
        Path m = d.resolve("metrics.json");
        if (Files.isRegularFile(m)) mtimes.put(d.toString(), Files.getLastModifiedTime(m).toMillis());
      }
    } catch (IOException e) {
      // no snapshot: the stage's outputs are then just its fixed files
    }
    return mtimes;
  }

  /** The outputs after the stage ran, relative to the config's folder where possible. */
  List<String> after(PipelineStage stage, Map<String, Long> before) {
    List<String> out = new ArrayList<>();
    switch (stage) {
      case EXTRACT -> {
        String loc = config.featuresLocation();
        if (!loc.contains("://") || loc.startsWith("file:")) {
          Path store = Path.of(loc.replaceFirst("^file:", ""));
          out.add(relative(store.resolve("manifest.json")));
          out.add(relative(store.resolve("index.parquet")));
        }
      }
      case TRAIN, FINETUNE -> {
        Map<String, Long> now = snapshot(stage);
        now.forEach((dir, mtime) -> {
          if (!mtime.equals(before.get(dir))) out.add(relative(Path.of(dir)));
        });
        out.sort(null);
      }
      case REPORT -> {
        Path reports = config.resolvePath(config.report().out());
        out.add(relative(reports.resolve("summary.csv")));
        out.add(relative(reports.resolve("index.html")));
      }
    }
    return out;
  }

  /** The first recorded output that no longer exists, or null. */
  String firstMissing(List<String> outputs) {
    for (String o : outputs) {
      if (!Files.exists(config.baseDir().resolve(o))) return o;
    }
    return null;
  }

  private Path runsFolder(PipelineStage stage) {
    return switch (stage) {
      case TRAIN -> config.resolvePath(config.train().runs());
      case FINETUNE -> config.resolvePath(config.finetune().runs());
      default -> null;
    };
  }

  private String relative(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    return abs.startsWith(config.baseDir()) ? config.baseDir().relativize(abs).toString() : abs.toString();
  }
}
