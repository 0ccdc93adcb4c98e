package dev.headstart.head;

import dev.headstart.config.ConfigException;
import dev.headstart.config.PipelineConfig;
import dev.headstart.config.TrainConfig;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.engine.LibtorchThreads;
import dev.headstart.config.LabelConflictPolicy;
import dev.headstart.features.FeatureSplit;
import dev.headstart.config.RecordBinder;
import dev.headstart.features.FeatureStoreException;
import dev.headstart.features.FeatureStoreReader;
import dev.headstart.features.TapSelection;
import dev.headstart.features.Manifest;
import dev.headstart.features.LoadedFeatures;
import dev.headstart.io.AtomicFiles;
import dev.headstart.io.Hashing;
import dev.headstart.io.Json;
import dev.headstart.runs.Csv;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The train stage: loads the feature store once, then trains one head, or every point of a
 * sweep (train.seeds repeats each with other seeds, a sweep over seed), writing a run folder per
 * head and, for a sweep, a CSV ranking its points by their validation score (train.select_by).
 * The test split, when the store has one, is evaluated for every run at its chosen epoch and
 * reported beside it, never used to choose. Settings and data are checked before the first epoch.
 */
public final class TrainStage implements Stage<TrainStage.Result> {
  /** One finished run: its folder and what training produced. */
  public record Run(String name, Path dir, SweepGrid.Point point, TrainOutcome outcome) {}

  /** The stage's result; sweepCsv is null for a single run. */
  public record Result(List<Run> runs, Path sweepCsv, double loadSeconds) {}

  @Override
  public String id() {
    return "train";
  }

  @Override
  public Result run(PipelineConfig config, Reporter reporter) throws IOException {
    TrainConfig c = config.train();
    Map<String, List<String>> axes = withSeeds(c);
    boolean sweep = !axes.isEmpty();
    List<SweepGrid.Point> points = SweepGrid.expand(c, axes);
    if (sweep && points.stream().map(p -> p.config().useViews()).distinct().count() > 1) {
      throw new ConfigException("'train.sweep.use_views' cannot be swept: the features are loaded once"
          + " for the whole sweep; run the two settings as two sweeps");
    }
    String n = c.name();
    if (!n.isBlank() && (n.contains("/") || n.contains("\\") || n.startsWith("."))) {
      throw new ConfigException("'train.name' must be a plain folder name (no '/', not starting with '.'),"
          + " got '" + n + "'");
    }
    Path runsDir = config.resolvePath(c.runs());
    String location = config.featuresLocation();

    FeatureStoreReader reader = new FeatureStoreReader(location);
    List<SweepGrid.Point> resolved = withResolvedTaps(points, reader.manifest(), sweep);

    boolean drop = c.labelConflicts() == LabelConflictPolicy.DROP;
    // the points of each tap (a sweep over taps loads each tap's features once)
    Map<String, List<Integer>> byTap = new LinkedHashMap<>();
    for (int i = 0; i < resolved.size(); i++) {
      byTap.computeIfAbsent(resolved.get(i).config().tap(), k -> new ArrayList<>()).add(i);
    }
    List<Run> runs = new ArrayList<>();
    List<String> names = null;
    // every tap's test split has the same rows and labels: the first one serves the notes and the csv
    FeatureSplit test = null;
    double loadSeconds = 0;
    long start = System.nanoTime();
    for (Map.Entry<String, List<Integer>> tap : byTap.entrySet()) {
      LoadedFeatures features = reader.load(List.of("train", "val"), List.of("test"), c.useViews(), drop,
          tap.getKey(), sweep ? "train.sweep.tap" : "train.tap");
      loadSeconds += features.seconds();
      FeatureSplit tapTest = TrainingData.testSplit(features);
      if (names == null) {
        warnConflicts(features, drop, c, reporter);
        names = names(resolved, c, sweep, features.manifest().fingerprint());
        test = tapTest;
      }
      reporter.info("train: %d train rows, %d val rows, %s, %d features%s, %d classes from %s (%.2f s)",
          features.split("train").rows(), features.split("val").rows(),
          tapTest == null ? "no test split" : tapTest.rows() + " test rows", features.dim(),
          features.tap().name().isEmpty() ? "" : " of tap " + features.tap().name(), features.classes().size(),
          location, features.seconds());
      trainPoints(tap.getValue(), resolved, names, features, tapTest, runsDir, c.parallel(), sweep, start, runs,
          reporter);
    }
    runs.sort(Comparator.comparingInt(r -> resolved.indexOf(r.point())));
    Path csv = null;
    if (sweep) {
      String sweepName = c.name().isBlank() ? "sweep-" + Hashing.sha256(Json.GSON.toJson(names)).substring(0, 6) : c.name();
      csv = runsDir.resolve(sweepName + ".csv");
      AtomicFiles.writeString(csv, sweepCsv(runs, c, test));
      Run best = ranked(runs).get(0);
      reporter.info("train: sweep of %d points in %.2f s; best by validation %s %s (val acc %.4f%s); ranking in %s",
          runs.size(), (System.nanoTime() - start) / 1e9, c.selectBy().id(), best.point().values(),
          best.outcome().bestValAccuracy(), testNote(best.outcome(), test), csv);
      if (c.seeds() > 1) {
        for (SeedSpread spread : SeedSpread.of(runs, test)) reporter.info("train: %s", spread.describe());
      }
    }
    return new Result(List.copyOf(runs), csv, loadSeconds);
  }

  /**
   * Each point's tap as the store names it: "" becomes the default tap's name when the backbone
   * has taps (so the default run and tap=&lt;deepest&gt; are one run), and an unknown tap fails
   * before anything trains.
   */
  static List<SweepGrid.Point> withResolvedTaps(List<SweepGrid.Point> points, Manifest manifest, boolean sweep) {
    List<SweepGrid.Point> out = new ArrayList<>();
    for (SweepGrid.Point p : points) {
      String key = sweep && p.values().containsKey("tap") ? "train.sweep.tap" : "train.tap";
      String name;
      try {
        name = TapSelection.of(manifest, p.config().tap(), key).name();
      } catch (FeatureStoreException e) {
        throw new ConfigException(e.getMessage());
      }
      if (name.equals(p.config().tap())) {
        out.add(p);
      } else {
        Map<String, Object> tap = new LinkedHashMap<>();
        tap.put("tap", name);
        out.add(new SweepGrid.Point(RecordBinder.bind("train", tap, p.config()), p.values()));
      }
    }
    return out;
  }

  private static void warnConflicts(LoadedFeatures features, boolean drop, TrainConfig c, Reporter reporter) {
    List<Manifest.LabelConflict> conflicts = features.manifest().labelConflicts();
    if (conflicts != null && !conflicts.isEmpty()) {
      int copies = conflicts.stream().mapToInt(x -> x.paths().size()).sum();
      reporter.warn("train: %d images (%d files, first: %s) have the same bytes under more than one class;"
          + " %s, as train.label_conflicts: %s says (%s)", conflicts.size(), copies,
          String.join(" and ", conflicts.get(0).paths()), drop ? "every copy is left out" : "each copy is kept with its own label",
          c.labelConflicts().id(), drop ? "keep trains on them" : "drop leaves them out");
    }
  }

  private static List<String> names(List<SweepGrid.Point> points, TrainConfig c, boolean sweep, String fingerprint) {
    List<String> names = new ArrayList<>();
    for (SweepGrid.Point p : points) {
      names.add(!sweep && !c.name().isBlank() ? c.name() : HeadRunWriter.name(p.config(), fingerprint));
    }
    Set<String> unique = new LinkedHashSet<>(names);
    if (unique.size() != names.size()) {
      throw new ConfigException("'train.sweep' lists the same setting twice; each point must differ"
          + " (an empty tap and the default tap's name are the same setting)");
    }
    return names;
  }

  /** Trains the points {@code which} (all of one tap) on its features, appending to {@code runs}. */
  private static void trainPoints(List<Integer> which, List<SweepGrid.Point> points, List<String> names,
      LoadedFeatures features, FeatureSplit test, Path runsDir, int parallel, boolean sweep, long start,
      List<Run> runs, Reporter reporter) throws IOException {
    List<SweepGrid.Point> mine = which.stream().map(points::get).toList();
    // libtorch's thread pool only slows the small matrix products of a head (threads wait on
    // each other, badly so on a busy machine): one thread, unless the user fixed a count
    int threadsBefore = LibtorchThreads.set(LibtorchThreads.orUser(1));
    try (TrainingData data = TrainingData.of(features)) {
      HeadTrainer trainer = new HeadTrainer(data);
      for (List<Integer> group : lockstepGroups(mine, parallel)) {
        List<TrainConfig> configs = group.stream().map(i -> mine.get(i).config()).toList();
        List<TrainOutcome> outcomes = trainer.trainTogether(configs, line -> reporter.info("  " + line));
        for (int g = 0; g < group.size(); g++) {
          int i = which.get(group.get(g));
          SweepGrid.Point p = points.get(i);
          TrainOutcome o = outcomes.get(g);
          Path dir = HeadRunWriter.write(runsDir, names.get(i), o, features, features.seconds());
          runs.add(new Run(names.get(i), dir, p, o));
          if (sweep) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double eta = elapsed / runs.size() * (points.size() - runs.size());
            reporter.info("  point %d/%d %s  best val acc %.4f (epoch %d)%s  %.2f s  ETA %.0f s",
                runs.size(), points.size(), p.values(), o.bestValAccuracy(), o.bestEpoch(), testNote(o, test),
                o.seconds(), eta);
          } else {
            reporter.info("train: best val acc %.4f at epoch %d%s -> %s", o.bestValAccuracy(),
                o.bestEpoch(), testNote(o, test), dir);
          }
        }
      }
    } finally {
      LibtorchThreads.set(threadsBefore);
    }
  }

  /**
   * Points that can train in lockstep (same batches, no dropout), as groups of point indices in
   * sweep order, at most {@code parallel} per group (0 = no limit): each group's heads train
   * together over batches drawn once (see {@link HeadTrainer#trainTogether}).
   */
  static List<List<Integer>> lockstepGroups(List<SweepGrid.Point> points, int parallel) {
    List<List<Integer>> groups = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      List<Integer> home = null;
      for (List<Integer> g : groups) {
        if ((parallel == 0 || g.size() < parallel)
            && HeadTrainer.canShareBatches(points.get(g.get(0)).config(), points.get(i).config())) {
          home = g;
          break;
        }
      }
      if (home == null) groups.add(home = new ArrayList<>());
      home.add(i);
    }
    return groups;
  }

  /**
   * The sweep axes with train.seeds applied: seeds seed, seed+1, ... as one more axis, so every
   * point is repeated with each of them.
   */
  static Map<String, List<String>> withSeeds(TrainConfig c) {
    if (c.seeds() == 1) return c.sweep();
    if (c.sweep().keySet().stream().map(SweepGrid::canonicalKey).anyMatch(k -> k.equals("seed"))) {
      throw new ConfigException("'train.seeds' and 'train.sweep.seed' both choose seeds; use one of them");
    }
    Map<String, List<String>> axes = new LinkedHashMap<>(c.sweep());
    List<String> seeds = new ArrayList<>();
    for (int i = 0; i < c.seeds(); i++) seeds.add(Long.toString(c.seed() + i));
    axes.put("seed", seeds);
    return axes;
  }

  private static String testNote(TrainOutcome o, FeatureSplit test) {
    return test == null || o.testPredicted() == null ? ""
        : String.format(Locale.ROOT, ", test acc %.4f there", o.testAccuracy(test.labels()));
  }

  /**
   * Best validation score (train.select_by; accuracy by default) first; ties go to the lower
   * validation loss, then the name. The test split never enters the ranking.
   */
  static List<Run> ranked(List<Run> runs) {
    List<Run> out = new ArrayList<>(runs);
    out.sort(Comparator.comparingDouble((Run r) -> -r.outcome().bestScore())
        .thenComparingDouble(r -> r.outcome().bestValLoss())
        .thenComparing(Run::name));
    return out;
  }

  /**
   * The ranking: rank by validation (select_by), the swept values, the validation figures, and the
   * test accuracy of each point at its chosen epoch (empty without a test split), shown, not ranked on.
   */
  static String sweepCsv(List<Run> runs, TrainConfig c, FeatureSplit test) {
    List<String> keys = new ArrayList<>(runs.get(0).point().values().keySet());
    StringBuilder sb = new StringBuilder("rank,run");
    for (String k : keys) sb.append(',').append(k);
    sb.append(",best_val_accuracy,best_epoch,best_val_loss,final_train_accuracy,epochs_run,seconds,select_by,"
        + "best_val_score,test_accuracy\n");
    int rank = 1;
    for (Run r : ranked(runs)) {
      TrainOutcome o = r.outcome();
      sb.append(rank++).append(',').append(r.name());
      for (String k : keys) sb.append(',').append(Csv.quote(r.point().values().get(k)));
      double testAcc = test == null ? Double.NaN : o.testAccuracy(test.labels());
      sb.append(String.format(Locale.ROOT, ",%.6f,%d,%.6f,%.6f,%d,%.3f,%s,%.6f,%s%n", o.bestValAccuracy(), o.bestEpoch(),
          o.bestValLoss(), o.finalTrainAccuracy(), o.epochsRun(), o.seconds(), r.point().config().selectBy().id(),
          o.bestScore(), Double.isNaN(testAcc) ? "" : String.format(Locale.ROOT, "%.6f", testAcc)));
    }
    return sb.toString();
  }
}
