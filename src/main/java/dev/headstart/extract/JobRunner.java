package dev.headstart.extract;

import dev.headstart.config.PipelineConfig;
import dev.headstart.core.Reporter;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Runs the backbone over the jobs an extract planned and stores their rows as parts in the
 * fingerprint's folder: in this JVM ({@link LocalJobRunner}) or spread over a Spark cluster (the
 * spark module). Whatever runs them, the store gets the same rows under the same keys; the
 * extract stage does the listing before and the index and manifest after.
 */
public interface JobRunner {
  /** What the runner needs to know: the settings, the backbone, where the rows go. */
  record Context(PipelineConfig config, ImageFiles files, BackboneSource source, Preprocessor preprocessor,
      Backbone backbone, String backboneSha, String location, Path store, Path dir, Configuration conf,
      String fingerprint, String runId, Reporter reporter) {}

  /**
   * What a run did.
   *
   * @param timings seconds and rates to add to the manifest's timings
   */
  record Outcome(List<ImageFailure> failures, int imagesRun, long rowsWritten, int partsWritten,
      Map<String, Double> timings, String summary) {}

  Outcome run(Context context, List<ExtractJob> jobs) throws IOException;

  /** Whether the driver itself needs the backbone loaded (this JVM runs it, or describes it). */
  default boolean loadsBackboneHere() {
    return true;
  }
}
