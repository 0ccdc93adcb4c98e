package dev.headstart.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * A fixed affine layer (x - mean) * invStd over [N, D] features. Its two vectors are fitted on
 * the train split and stored as frozen parameters, so they are saved and loaded with the rest of
 * the head and a reloaded head needs nothing else (predict and finetune reuse it as is).
 */
public final class Standardize extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int dim;
  private final Parameter mean;
  private final Parameter invStd;

  public Standardize(int dim) {
    super(VERSION);
    this.dim = dim;
    mean = addParameter(Parameter.builder().setName("mean").setType(Parameter.Type.RUNNING_MEAN)
        .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(0f)).optRequiresGrad(false).build());
    invStd = addParameter(Parameter.builder().setName("inv_std").setType(Parameter.Type.RUNNING_VAR)
        .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(1f)).optRequiresGrad(false).build());
  }

  /** Sets the fitted values: a feature with (near) zero spread is only centred, never blown up. */
  public void set(float[] meanValues, float[] stdValues) {
    if (meanValues.length != dim || stdValues.length != dim) {
      throw new IllegalArgumentException("standardization needs " + dim + " values");
    }
    mean.getArray().set(meanValues);
    invStd.getArray().set(inverse(stdValues));
  }

  /** 1 / std per feature; a feature with (near) zero spread keeps factor 1. */
  public static float[] inverse(float[] std) {
    float[] inv = new float[std.length];
    for (int i = 0; i < std.length; i++) inv[i] = std[i] > 1e-6f ? 1f / std[i] : 1f;
    return inv;
  }

  /** The same arithmetic as the layer's forward pass, for precomputing standardized inputs. */
  public static NDArray apply(NDArray x, NDArray mean, NDArray invStd) {
    return x.sub(mean).mul(invStd);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray m = ps.getValue(mean, x.getDevice(), training);
    NDArray s = ps.getValue(invStd, x.getDevice(), training);
    return new NDList(apply(x, m, s));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {}
}
