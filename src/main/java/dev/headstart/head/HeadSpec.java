package dev.headstart.head;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shape of a classifier head: everything needed to rebuild its block before loading saved
 * parameters. A run's config.json holds it as hyperparameters (head, hidden, dropout,
 * standardize) plus the feature dimension and the class list.
 *
 * @param kind linear (the seeds' replaced fc) or mlp (Linear-ReLU-Dropout per hidden size, then Linear)
 * @param inputDim feature dimension D: the block takes [N, D]
 * @param numClasses output logits per row
 * @param hidden hidden layer sizes of an mlp (a linear head keeps none)
 * @param dropout dropout probability after each hidden layer of an mlp (a linear head keeps 0)
 * @param standardize a fixed (not trained) affine layer (x - mean) / std first, fitted on train
 */
public record HeadSpec(String kind, int inputDim, int numClasses, List<Integer> hidden, double dropout,
    boolean standardize) {
  public static final String LINEAR = "linear";
  public static final String MLP = "mlp";

  public HeadSpec {
    if (!kind.equals(LINEAR) && !kind.equals(MLP)) {
      throw new IllegalArgumentException("head must be linear or mlp, got '" + kind + "'");
    }
    if (inputDim <= 0 || numClasses <= 0) {
      throw new IllegalArgumentException("head needs a positive input dim and class count, got "
          + inputDim + " and " + numClasses);
    }
    if (kind.equals(LINEAR)) {
      // the settings may carry an mlp's hidden/dropout; a linear head has neither
      hidden = List.of();
      dropout = 0;
    }
    if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    hidden = List.copyOf(hidden);
  }

  public static HeadSpec linear(int inputDim, int numClasses) {
    return new HeadSpec(LINEAR, inputDim, numClasses, List.of(), 0, false);
  }

  /**
   * Rebuilds the spec from a run's recorded hyperparameters (the train section of config.json,
   * snake_case keys as Gson reads them back: numbers may come as doubles).
   */
  public static HeadSpec fromHyperparameters(Map<String, Object> hp, int inputDim, int numClasses) {
    String kind = String.valueOf(hp.getOrDefault("head", LINEAR));
    List<Integer> hidden = new ArrayList<>();
    Object h = hp.get("hidden");
    if (h instanceof List<?> list) for (Object o : list) hidden.add(((Number) o).intValue());
    double dropout = hp.get("dropout") instanceof Number n ? n.doubleValue() : 0;
    boolean standardize = Boolean.TRUE.equals(hp.get("standardize"))
        || "true".equals(String.valueOf(hp.get("standardize")));
    return new HeadSpec(kind, inputDim, numClasses, hidden, dropout, standardize);
  }
}
