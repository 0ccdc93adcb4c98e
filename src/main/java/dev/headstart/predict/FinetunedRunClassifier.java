package dev.headstart.predict;

import dev.headstart.extract.Preprocessor;
import dev.headstart.finetune.FinetunedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A finetune, partial or scratch run: the whole finetuned network, used as it was saved. */
final class FinetunedRunClassifier implements RunClassifier {
  private final FinetunedModel model;

  private FinetunedRunClassifier(FinetunedModel model) {
    this.model = model;
  }

  static FinetunedRunClassifier open(Path runDir, ai.djl.Device device) throws IOException {
    return new FinetunedRunClassifier(FinetunedModel.load(runDir, device));
  }

  @Override
  public List<String> classes() {
    return model.classes();
  }

  @Override
  public Preprocessor preprocessor() {
    return model.preprocessor();
  }

  @Override
  public float[][] probabilities(float[] batch, int n) {
    return model.probabilities(batch, n);
  }

  @Override
  public void close() {
    model.close();
  }
}
