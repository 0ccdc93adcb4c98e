package dev.headstart.report;

import dev.headstart.runs.Method;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunMetrics;
import java.nio.file.Path;
import tech.tablesaw.api.Table;

/**
 * One complete run folder as the report sees it.
 *
 * @param name the folder's name: the run's id in every table (unique, unlike metrics.name)
 * @param history history.csv as read (epoch, split, loss, accuracy, seconds)
 * @param predictions predictions.csv as read; empty (with its columns) when the run wrote none
 * @param testPredictions predictions_test.csv as read; empty (with its columns) without a test split
 */
public record LoadedRun(
    String name, Path dir, Method method, RunConfig config, RunMetrics metrics, Table history,
    Table predictions, Table testPredictions) {

  /** True when the run was evaluated on a test split. */
  public boolean hasTest() {
    return metrics.test() != null && metrics.test().count() > 0;
  }

  /** What chose the run's best epoch on validation (accuracy for runs that did not record it). */
  public String selectBy() {
    return metrics.selectBy() == null || metrics.selectBy().isBlank() ? "accuracy" : metrics.selectBy();
  }

  /** A hyperparameter of config.json as text ("" when the stage did not record it). */
  public String hyper(String key) {
    Object v = config.hyperparameters() == null ? null : config.hyperparameters().get(key);
    if (v == null) return "";
    // Gson reads every JSON number as a double: 16.0 is the batch size 16
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
    return String.valueOf(v);
  }

  /** A numeric hyperparameter, NaN when absent or not a number. */
  public double hyperNumber(String key) {
    Object v = config.hyperparameters() == null ? null : config.hyperparameters().get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The backbone's name from the provenance, else its file name. */
  public String backboneName() {
    if (config.backbone() == null) return "";
    Object name = config.backbone().get("name");
    if (name != null && !String.valueOf(name).isBlank()) return String.valueOf(name);
    Object uri = config.backbone().get("uri");
    if (uri == null) return "";
    String s = String.valueOf(uri);
    return s.substring(s.lastIndexOf('/') + 1);
  }
}
