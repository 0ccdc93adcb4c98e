package dev.headstart.extract;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;

/**
 * A batch of preprocessed images in, one feature vector per image and output out:
 * {@code [output][image][feature]}. A one-output backbone gives one output; a tapped one (a list
 * of tensors, see tools/export_backbone.py --taps) one per tap, in its card's order. Spatial
 * outputs [N,C,h,w] are global-average-pooled to [N,C]. The arrays live in the predictor's
 * per-call manager, so native memory is freed after every batch.
 */
final class FeatureTranslator implements Translator<ImageBatch, float[][][]> {
  @Override
  public NDList processInput(TranslatorContext ctx, ImageBatch batch) {
    int n = batch.count();
    int s = batch.size();
    FloatBuffer buf = FloatBuffer.wrap(batch.data(), 0, n * 3 * s * s);
    NDArray x = ctx.getNDManager().create(buf, new Shape(n, 3, s, s));
    return new NDList(x);
  }

  @Override
  public float[][][] processOutput(TranslatorContext ctx, NDList list) {
    float[][][] outputs = new float[list.size()][][];
    for (int t = 0; t < list.size(); t++) outputs[t] = rows(list.get(t));
    return outputs;
  }

  private static float[][] rows(NDArray output) {
    NDArray out = pool(output);
    if (out.getDataType() != DataType.FLOAT32) out = out.toType(DataType.FLOAT32, false);
    int n = (int) out.getShape().get(0);
    int d = (int) out.getShape().get(1);
    float[] flat = out.toFloatArray();
    float[][] rows = new float[n][d];
    for (int i = 0; i < n; i++) System.arraycopy(flat, i * d, rows[i], 0, d);
    return rows;
  }

  /** [N,D] as is; [N,C,h,w] averaged over h and w; anything else is not a backbone's output. */
  static NDArray pool(NDArray out) {
    Shape shape = out.getShape();
    if (shape.dimension() == 4) {
      // DJL's PyTorch mean reduces one axis at a time: flatten h x w, then average it
      return out.reshape(shape.get(0), shape.get(1), shape.get(2) * shape.get(3)).mean(new int[] {2});
    }
    if (shape.dimension() == 2) return out;
    throw new IllegalStateException("the backbone returned shape " + shape
        + "; a feature extractor must return [N,D] or [N,C,h,w]");
  }

  @Override
  public Batchifier getBatchifier() {
    return null; // ImageBatch is already a batch
  }
}
