package dev.headstart.predict;

import dev.headstart.io.Json;
import dev.headstart.runs.Csv;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes predictions as CSV (path,predicted,probability,top_k,error; top_k as
 * "class:probability" joined by ';') or as a JSON array of the same fields.
 */
public final class PredictionWriter {
  private PredictionWriter() {}

  public static void csv(List<ImagePrediction> predictions, Writer out) throws IOException {
    out.write("path,predicted,probability,top_k,error\n");
    for (ImagePrediction p : predictions) {
      String topK = p.topK().stream()
          .map(c -> c.label() + ":" + String.format(Locale.ROOT, "%.4f", c.probability()))
          .collect(Collectors.joining(";"));
      out.write(String.join(",", Csv.quote(p.path()), Csv.quote(p.predicted()),
          p.ok() ? String.format(Locale.ROOT, "%.6f", p.probability()) : "", Csv.quote(topK), Csv.quote(p.error())));
      out.write('\n');
    }
    out.flush();
  }

  public static void json(List<ImagePrediction> predictions, Writer out) throws IOException {
    out.write(Json.write(predictions));
    out.write('\n');
    out.flush();
  }
}
