package dev.headstart.report;

import dev.headstart.config.PipelineConfig;
import dev.headstart.config.ReportConfig;
import dev.headstart.core.Reporter;
import dev.headstart.core.Stage;
import dev.headstart.core.UserException;
import dev.headstart.io.AtomicFiles;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tech.tablesaw.api.Table;

/**
 * The report stage: reads the run layout under the runs folder (plus the extract manifest and any
 * sweep*.csv), and writes summary.csv, history.csv, per_class.csv, confusion.csv, sweep.csv,
 * seeds.csv (when settings were repeated with several seeds), taps.csv (heads on a tapped
 * backbone's depths) and a self-contained index.html into the output folder. Each file is written
 * whole or not at all.
 */
public final class ReportStage implements Stage<ReportStage.Result> {
  public static final String SUMMARY = "summary.csv";
  public static final String HISTORY = "history.csv";
  public static final String PER_CLASS = "per_class.csv";
  public static final String CONFUSION = "confusion.csv";
  public static final String SWEEP = "sweep.csv";
  /** Settings trained with several seeds: mean and standard deviation of their accuracies. */
  public static final String SEEDS = "seeds.csv";
  public static final String INDEX = "index.html";

  /**
   * @param features the feature store (folder or Hadoop URI) whose manifest.json holds the
   *     extraction time, if any
   * @param gallery how many validation images the page shows
   * @param imageRoots folders that relative paths in predictions.csv may be relative to
   */
  public record Options(Path runsDir, Path outDir, Optional<String> features, int gallery, List<Path> imageRoots) {}

  /** What was written, and what was left out. */
  public record Result(Path index, ReportTables tables, Verdict verdict, List<String> warnings) {}


  @Override
  public String id() {
    return "report";
  }

  /** The report of the pipeline's runs, as report.* configures it. */
  @Override
  public Result run(PipelineConfig config, Reporter reporter) throws IOException {
    Result result = run(options(config), reporter);
    reporter.info("report: %d runs compared, %d left out; %s", result.tables().runs().size(),
        result.warnings().size(), result.verdict().headline());
    return result;
  }

  /** report.* resolved: runs, output folder, the feature store's manifest, the gallery size and image roots. */
  public static Options options(PipelineConfig config) {
    ReportConfig rc = config.report();
    String features = rc.features().isBlank() ? config.featuresLocation() : config.resolve(rc.features());
    return new Options(config.resolvePath(rc.runs()), config.resolvePath(rc.out()), Optional.of(features),
        rc.gallery(), List.of(config.resolvePath(config.data().root()), config.baseDir()));
  }

  public static Result run(Options o) throws IOException {
    return run(o, Reporter.stderr());
  }

  public static Result run(Options o, Reporter reporter) throws IOException {
    if (!Files.isDirectory(o.runsDir())) {
      throw new UserException("runs folder " + o.runsDir() + " does not exist: train a head "
          + "(./train) or a baseline (./finetune) first, or point --runs (report.runs) at the folder they wrote");
    }
    RunScan scan = RunScanner.scan(o.runsDir());
    List<String> warnings = new ArrayList<>();
    scan.skipped().forEach(s -> warnings.add(s.message()));
    Optional<ExtractInfo> extract = o.features().flatMap(f -> ExtractInfo.load(f, reporter));
    Optional<Table> sweep = SweepTables.read(o.runsDir(), warnings);
    if (scan.runs().isEmpty()) {
      warnings.add("no complete runs in " + o.runsDir() + ": the report says so and has no charts");
    }
    warnings.forEach(reporter::warn);

    ReportTables tables = ReportTables.build(scan.runs(), extract);
    Verdict verdict = Verdict.of(tables, extract);
    Optional<TapReport> taps = TapReport.of(scan.runs(), extract);
    if (taps.isPresent()) {
      List<String> details = new ArrayList<>(verdict.details());
      details.add(taps.get().advice());
      verdict = new Verdict(verdict.headline(), details, verdict.headVsFinetune());
    }
    Files.createDirectories(o.outDir());
    writeCsv(tables.summary(), o.outDir().resolve(SUMMARY));
    writeCsv(tables.history(), o.outDir().resolve(HISTORY));
    writeCsv(tables.perClass(), o.outDir().resolve(PER_CLASS));
    writeCsv(tables.confusion(), o.outDir().resolve(CONFUSION));
    if (taps.isPresent()) {
      writeCsv(taps.get().table(), o.outDir().resolve(TapReport.FILE));
    } else {
      Files.deleteIfExists(o.outDir().resolve(TapReport.FILE));
    }
    if (!tables.seeds().isEmpty()) {
      writeCsv(tables.seeds(), o.outDir().resolve(SEEDS));
    } else {
      Files.deleteIfExists(o.outDir().resolve(SEEDS));
    }
    Verdict.imbalance(tables).ifPresent(reporter::warn);
    if (sweep.isPresent()) {
      writeCsv(sweep.get(), o.outDir().resolve(SWEEP));
    } else {
      // an old sweep.csv beside new tables would describe sweeps that are gone
      Files.deleteIfExists(o.outDir().resolve(SWEEP));
    }

    List<Gallery.Tile> tiles = tables.best()
        .map(best -> Gallery.of(best, o.gallery(), imageRoots(o, extract, best))).orElse(List.of());
    ReportContent content = new ReportContent(scan, tables, verdict, warnings,
        ReportContent.RenderedCharts.of(tables), tiles, tables.best().map(LoadedRun::name).orElse(""), sweep,
        extract.map(ExtractInfo::provenance).orElse(""), ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
        taps, taps.map(tr -> new Charts().taps(tr.table())).orElse(""));
    Path index = o.outDir().resolve(INDEX);
    write(index, new HtmlPage().render(content));
    return new Result(index, tables, verdict, List.copyOf(warnings));
  }

  private static void writeCsv(Table table, Path file) throws IOException {
    StringWriter out = new StringWriter();
    table.write().csv(out);
    write(file, out.toString());
  }

  /**
   * Writes whole-or-nothing, then makes the file readable by all whatever the umask: a report is
   * made to be shared or served.
   */
  private static void write(Path file, String content) throws IOException {
    AtomicFiles.writeString(file, content);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its default permissions apply
    }
  }

  /** Where a prediction's relative path may point: the extract's data root, the run's, the pipeline's. */
  private static List<Path> imageRoots(Options o, Optional<ExtractInfo> extract, LoadedRun run) {
    Set<Path> roots = new LinkedHashSet<>();
    extract.map(ExtractInfo::dataRoot).filter(s -> s != null && !s.isBlank()).ifPresent(s -> roots.add(Path.of(s)));
    for (String key : List.of("data_root", "root", "images")) {
      String v = run.hyper(key);
      if (!v.isBlank()) roots.add(Path.of(v));
    }
    roots.addAll(o.imageRoots());
    roots.add(run.dir());
    return List.copyOf(roots);
  }
}
