package dev.headstart.extract;

import dev.headstart.config.PipelineConfig;
import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;
import dev.headstart.engine.ChildJvm;
import dev.headstart.features.ManifestIO;
import dev.headstart.features.Manifest;
import dev.headstart.io.Json;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * extract.engine: spark from the command line: starts the Spark driver
 * ({@code dev.headstart.spark.SparkExtractMain}, the spark module) in a JVM of its own with the
 * module's classpath, hands it this pipeline's resolved settings and waits. The core jar never
 * loads a Spark class, so its start-up and dependency versions stay as they are.
 */
public final class SparkDriver {
  static final String MAIN = "dev.headstart.spark.SparkExtractMain";
  /** The classpath of the spark module, when it is not the built module beside this checkout. */
  static final String CLASSPATH_PROPERTY = "headstart.spark.classpath";
  static final String CLASSPATH_VARIABLE = "HEADSTART_SPARK_CLASSPATH";

  /** What JDK 17 must open for Spark (Spark's own launcher passes the same). */
  public static final List<String> MODULE_FLAGS = List.of(
      "-XX:+IgnoreUnrecognizedVMOptions",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
      "-Djdk.reflect.useDirectMethodHandle=false",
      "-Dio.netty.tryReflectionSetAccessible=true");

  private SparkDriver() {}

  static ExtractStage.Result run(PipelineConfig config, Reporter reporter) throws IOException {
    String classpath = classpath();
    Path settings = Files.createTempFile("headstart-spark-", ".json");
    try {
      Json.writeFile(settings, config.sections());
      List<String> cmd = new ArrayList<>();
      cmd.add(ChildJvm.javaExecutable());
      cmd.addAll(MODULE_FLAGS);
      cmd.add("-Xmx" + System.getProperty("headstart.spark.driver_memory", "4g"));
      cmd.add("-Dai.djl.offline=" + System.getProperty("ai.djl.offline", "false"));
      cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      String crash = System.getProperty("headstart.crash_at");
      if (crash != null) cmd.add("-Dheadstart.crash_at=" + crash);
      cmd.add("-cp");
      cmd.add(classpath);
      cmd.add(MAIN);
      cmd.add("--settings");
      cmd.add(settings.toString());
      cmd.add("--base-dir");
      cmd.add(config.baseDir().toString());
      reporter.info("extract: starting the Spark driver (master %s)", config.extract().spark().master());
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      int rc;
      try {
        rc = p.waitFor();
      } catch (InterruptedException e) {
        p.destroy();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the Spark extract ran", e);
      }
      if (rc != 0) {
        throw new UserException("the Spark extract failed (exit " + rc + "; its messages are above); finished"
            + " shards are kept, so rerunning ./extract --engine spark continues where it stopped");
      }
    } finally {
      Files.deleteIfExists(settings);
    }
    String location = config.resolve(config.extract().out());
    Manifest m = ManifestIO.read(location);
    Map<String, Double> t = m.timings();
    return new ExtractStage.Result(m, false, t.getOrDefault("images_run", 0.0).intValue(),
        t.getOrDefault("rows_computed", 0.0).longValue(), t.getOrDefault("rows_reused", 0.0).longValue(),
        t.getOrDefault("spark_shards", 0.0).intValue(), location, null);
  }

  /**
   * The spark module's classpath: the property or variable when set, else the module built beside
   * this checkout (spark/target/headstart-spark.jar and spark/target/lib/, from
   * {@code mvn -f spark/pom.xml package}).
   */
  static String classpath() {
    String given = System.getProperty(CLASSPATH_PROPERTY, System.getenv(CLASSPATH_VARIABLE));
    if (given != null && !given.isBlank()) return given;
    Path root = checkoutRoot();
    Path jar = root == null ? null : root.resolve("spark/target/headstart-spark.jar");
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new UserException("extract.engine: spark needs the Spark engine, which is not built"
          + (root == null ? "" : " (no " + jar + ")") + ": run `mvn -B -q install -DskipTests && mvn -B -q -f"
          + " spark/pom.xml package -DskipTests` at the repository root, or set " + CLASSPATH_VARIABLE
          + " to its classpath; or use extract.engine: local");
    }
    return jar + File.pathSeparator + root.resolve("spark/target/lib") + File.separator + "*";
  }

  /** The checkout this code runs from: the folder above target/ (a jar or classes folder in it). */
  private static Path checkoutRoot() {
    try {
      Path here = Path.of(SparkDriver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path target = here.getParent();
      if (target != null && target.getFileName().toString().equals("target")) return target.getParent();
      return null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }
}
