package dev.headstart.finetune;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.headstart.core.UserException;
import dev.headstart.extract.ModelCard;
import dev.headstart.extract.Preprocessor;
import dev.headstart.head.HeadSpec;
import dev.headstart.io.Json;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finetune, partial or scratch run's best weights, loaded for prediction: preprocessed images
 * in, class probabilities out. The run folder alone is enough: its weights file holds the whole
 * trained TorchScript module and the head, and it keeps the backbone's model card (which says how
 * to preprocess). Not thread-safe: one thread predicts.
 */
public final class FinetunedModel implements AutoCloseable {
  private final Model model;
  private final FinetuneNet net;
  private final RunConfig config;
  private final ModelCard card;

  private FinetunedModel(Model model, FinetuneNet net, RunConfig config, ModelCard card) {
    this.model = model;
    this.net = net;
    this.config = config;
    this.card = card;
  }

  /** Loads a finished run folder (one with metrics.json) on the CPU. */
  public static FinetunedModel load(Path runDir) throws IOException {
    return load(runDir, Device.cpu());
  }

  public static FinetunedModel load(Path runDir, Device device) throws IOException {
    if (!Files.isRegularFile(runDir.resolve(RunLayout.METRICS))) {
      throw new UserException("run folder " + runDir + " has no " + RunLayout.METRICS
          + "; it is not a finished run (train it again with ./finetune)");
    }
    RunConfig config = Json.read(runDir.resolve(RunLayout.CONFIG), RunConfig.class);
    Path weights = runDir.resolve(RunLayout.WEIGHTS_DIR);
    ModelCard card = ModelCard.read(weights.resolve(FinetuneRun.CARD_FILE));
    HeadSpec head = HeadSpec.fromHyperparameters(config.hyperparameters(), card.featureDim(), config.classes().size());
    Model model = Model.newInstance("finetuned", device, "PyTorch");
    try {
      PtSymbolBlock backbone = new PtSymbolBlock((PtNDManager) model.getNDManager());
      FinetuneNet net = FinetuneRun.newNet(backbone, head, card.auxFeatureDim());
      model.setBlock(net);
      model.load(weights, FinetuneRun.WEIGHTS_NAME);
      return new FinetunedModel(model, net, config, card);
    } catch (MalformedModelException | RuntimeException e) {
      model.close();
      throw new IOException("cannot load the finetuned weights in " + weights + ": " + e.getMessage(), e);
    }
  }

  public List<String> classes() {
    return config.classes();
  }

  public RunConfig config() {
    return config;
  }

  public ModelCard card() {
    return card;
  }

  /** The eval transform images need before {@link #probabilities}. */
  public Preprocessor preprocessor() {
    return new Preprocessor(card);
  }

  /**
   * Class probabilities of the first n preprocessed images laid out one after another in batch
   * (each 3 x input_size x input_size, as {@link Preprocessor#eval} writes them).
   */
  public float[][] probabilities(float[] batch, int n) {
    int s = card.inputSize();
    try (NDManager scope = model.getNDManager().newSubManager()) {
      // the caller's buffer may be longer than n images (a reused batch buffer)
      NDArray x = scope.create(FloatBuffer.wrap(batch, 0, n * 3 * s * s), new Shape(n, 3, s, s));
      NDArray probs = net.forward(new ParameterStore(scope, false), new NDList(x), false).head().softmax(1);
      float[] flat = probs.toFloatArray();
      int k = classes().size();
      float[][] out = new float[n][k];
      for (int i = 0; i < n; i++) System.arraycopy(flat, i * k, out[i], 0, k);
      return out;
    }
  }

  /** The backbone's parameter values by TorchScript name (for checks and inspection). */
  Map<String, float[]> backboneParameters() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : net.backbone().getParameters()) {
      out.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  @Override
  public void close() {
    model.close();
  }
}
