package dev.headstart.predict;

import dev.headstart.extract.Preprocessor;
import java.util.List;

/**
 * A trained run, ready to classify images: a head run (frozen backbone + trained head) or a
 * finetune/partial/scratch run (the whole finetuned network). Not thread-safe.
 */
public interface RunClassifier extends AutoCloseable {
  /** Class names; index = the label id the run was trained with. */
  List<String> classes();

  /** The eval transform the run's backbone expects (from its model card). */
  Preprocessor preprocessor();

  /**
   * Whether the run's features came from reduced-size JPEG decodes (the manifest's preprocessing
   * says so): prediction then decodes the same way, so a head sees the inputs it was trained on.
   */
  default boolean reducedDecode() {
    return false;
  }

  /** Class probabilities of n preprocessed images laid out back to back in batch. */
  float[][] probabilities(float[] batch, int n);

  @Override
  void close();
}
