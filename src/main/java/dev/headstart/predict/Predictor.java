package dev.headstart.predict;

import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.ImageSkippedException;
import dev.headstart.extract.Preprocessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Classifies files in batches: decode and preprocess each (a bad file gets its error and the
 * rest go on), forward a batch, keep the top k classes of each.
 */
public final class Predictor {
  private final RunClassifier classifier;
  private final ImageDecoder decoder;
  private final int batchSize;
  private final int topK;

  public Predictor(RunClassifier classifier, long maxPixels, int batchSize, int topK) {
    this.classifier = classifier;
    this.decoder = new ImageDecoder(maxPixels, !classifier.reducedDecode());
    this.batchSize = batchSize;
    this.topK = Math.max(1, Math.min(topK, classifier.classes().size()));
  }

  /** One prediction per file, in the order the files were given. */
  public List<ImagePrediction> predict(List<Path> files) {
    Preprocessor pre = classifier.preprocessor();
    int size = pre.tensorSize();
    ImagePrediction[] out = new ImagePrediction[files.size()];
    float[] batch = new float[batchSize * size];
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      try {
        pre.eval(decoder.decodeForResize(Files.readAllBytes(file), pre.resize()), batch, pending.size() * size);
        pending.add(i);
      } catch (ImageSkippedException e) {
        out[i] = ImagePrediction.failed(file.toString(), e.reason());
      } catch (IOException | RuntimeException e) {
        out[i] = ImagePrediction.failed(file.toString(), "cannot be read: " + e.getMessage());
      }
      if (pending.size() == batchSize) flush(files, pending, batch, out);
    }
    if (!pending.isEmpty()) flush(files, pending, batch, out);
    return List.of(out);
  }

  private void flush(List<Path> files, List<Integer> pending, float[] batch, ImagePrediction[] out) {
    float[][] probs = classifier.probabilities(batch, pending.size());
    List<String> classes = classifier.classes();
    for (int i = 0; i < pending.size(); i++) {
      float[] p = probs[i];
      Integer[] idx = new Integer[p.length];
      for (int c = 0; c < p.length; c++) idx[c] = c;
      Arrays.sort(idx, (a, b) -> Float.compare(p[b], p[a]));
      List<ImagePrediction.ClassProbability> top = new ArrayList<>();
      for (int k = 0; k < topK; k++) top.add(new ImagePrediction.ClassProbability(classes.get(idx[k]), p[idx[k]]));
      int slot = pending.get(i);
      out[slot] = new ImagePrediction(files.get(slot).toString(), classes.get(idx[0]), p[idx[0]], top, "");
    }
    pending.clear();
  }
}
