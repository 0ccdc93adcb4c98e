package dev.headstart.predict;

import java.util.List;

/**
 * The prediction for one input file, or why there is none.
 *
 * @param topK the k most probable classes, most probable first
 * @param error why the file could not be classified (empty when it was)
 */
public record ImagePrediction(String path, String predicted, double probability, List<ClassProbability> topK,
    String error) {

  /** One class and its probability. */
  public record ClassProbability(String label, double probability) {}

  public static ImagePrediction failed(String path, String error) {
    return new ImagePrediction(path, "", Double.NaN, List.of(), error);
  }

  public boolean ok() {
    return error.isEmpty();
  }
}
