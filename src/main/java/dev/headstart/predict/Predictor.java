package dev.headstart.predict;

import dev.headstart.extract.ImageDecoder;
import dev.headstart.extract.ImageSkippedException;
import dev.headstart.extract.Preprocessor;
import dev.headstart.extract.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
    this.decoder = new ImageDecoder(maxPixels);
    this.batchSize = batchSize;
    this.topK = Math.max(1, Math.min(topK, classifier.classes().size()));
  }

  public List<ImagePrediction> predict(List<Path> files) {
    Preprocessor pre = classifier.preprocessor();
    int size = pre.tensorSize();
    List<ImagePrediction> out = new ArrayList<>();
    float[] batch = new float[batchSize * size];
    List<Path> pending = new ArrayList<>();
    for (Path file : files) {
      try {
        RgbImage image = decoder.decode(file);
        pre.eval(image, batch, pending.size() * size);
        pending.add(file);
      } catch (ImageSkippedException e) {
        out.add(ImagePrediction.failed(file.toString(), e.reason()));
      } catch (IOException | RuntimeException e) {
        out.add(ImagePrediction.failed(file.toString(), "cannot be read: " + e.getMessage()));
      }
      if (pending.size() == batchSize) flush(pending, batch, out);
    }
    if (!pending.isEmpty()) flush(pending, batch, out);
    // back to the order the files were given in
    java.util.Map<String, Integer> order = new java.util.HashMap<>();
    for (int i = 0; i < files.size(); i++) order.putIfAbsent(files.get(i).toString(), i);
    out.sort(Comparator.comparingInt(p -> order.get(p.path())));
    return out;
  }

  private void flush(List<Path> pending, float[] batch, List<ImagePrediction> out) {
    float[][] probs = classifier.probabilities(batch, pending.size());
    List<String> classes = classifier.classes();
    for (int i = 0; i < pending.size(); i++) {
      float[] p = probs[i];
      Integer[] idx = new Integer[p.length];
      for (int c = 0; c < p.length; c++) idx[c] = c;
      Arrays.sort(idx, (a, b) -> Float.compare(p[b], p[a]));
      List<ImagePrediction.ClassProbability> top = new ArrayList<>();
      for (int k = 0; k < topK; k++) top.add(new ImagePrediction.ClassProbability(classes.get(idx[k]), p[idx[k]]));
      out.add(new ImagePrediction(pending.get(i).toString(), classes.get(idx[0]), p[idx[0]], top, ""));
    }
    pending.clear();
  }
}
