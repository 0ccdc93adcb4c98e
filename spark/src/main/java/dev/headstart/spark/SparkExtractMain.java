package dev.headstart.spark;

import dev.headstart.config.ConfigException;
import dev.headstart.config.PipelineConfig;
import dev.headstart.config.PipelineConfigLoader;
import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;
import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import dev.headstart.extract.ExtractStage;
import dev.headstart.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark driver of headstart's extract. Started by {@code ./extract --engine spark} (with
 * {@code --settings} and {@code --base-dir}), or by spark-submit on a cluster:
 *
 * <pre>
 * spark-submit --class dev.headstart.spark.SparkExtractMain --master yarn \
 *   spark/target/headstart-spark.jar --config pipeline.yaml [--set extract.out=hdfs://...]
 * </pre>
 *
 * A master given by spark-submit wins over extract.spark.master.
 */
public final class SparkExtractMain {
  private SparkExtractMain() {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (UserException | ConfigException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      System.err.println("error: the Spark extract failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }

  static void run(String[] args) throws Exception {
    PipelineConfig config = config(args);
    EngineGuard.prepare(EnumSet.of("bf16".equals(config.extract().precision())
        ? Workload.BF16_INFERENCE : Workload.FP32_INFERENCE));
    SparkConf conf = new SparkConf().setAppName("headstart extract");
    if (!conf.contains("spark.master")) conf.setMaster(config.extract().spark().master());
    config.extract().spark().conf().forEach(conf::set);
    // Spark's own log lines stay out of the user's way unless they ask
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      sc.setLogLevel("WARN");
      new ExtractStage(new SparkJobRunner(sc)).run(config, Reporter.stderr());
    }
  }

  private static PipelineConfig config(String[] args) throws Exception {
    Path settings = null;
    Path baseDir = null;
    Path yaml = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) throw new UserException("option " + a + " needs a value; see the class comment");
      switch (a) {
        case "--settings" -> settings = Path.of(args[++i]);
        case "--base-dir" -> baseDir = Path.of(args[++i]);
        case "--config" -> yaml = Path.of(args[++i]);
        case "--set" -> {
          Map.Entry<String, String> e = PipelineConfigLoader.parseAssignment(args[++i]);
          overrides.put(e.getKey(), e.getValue());
        }
        default -> throw new UserException("unknown option " + a + ": use --config pipeline.yaml [--set section.key=value]");
      }
    }
    if (settings != null) {
      @SuppressWarnings("unchecked")
      Map<String, Object> sections = Json.GSON.fromJson(Files.readString(settings), Map.class);
      return PipelineConfigLoader.fromSections(sections, baseDir == null ? Path.of(".") : baseDir);
    }
    if (yaml == null) throw new UserException("give --config pipeline.yaml (the pipeline whose extract to run)");
    return PipelineConfigLoader.load(yaml, overrides);
  }
}
