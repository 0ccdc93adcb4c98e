package dev.headstart.head;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.Optional;

/**
 * Builds classifier heads as plain DJL blocks taking [N, D] features to [N, classes] logits:
 * {@code linear} is the seeds' replaced fc; {@code mlp} is their VGG-style classifier
 * (Linear-ReLU-Dropout per hidden size, then Linear). With standardize, a frozen
 * {@link Standardize} comes first so the block is self-contained for predict and finetune.
 */
public final class HeadFactory {
  private HeadFactory() {}

  /** The block, uninitialized: call {@link #initialize} or load saved parameters into it. */
  public static SequentialBlock build(HeadSpec spec) {
    SequentialBlock block = new SequentialBlock();
    if (spec.standardize()) block.add(new Standardize(spec.inputDim()));
    if (spec.kind().equals(HeadSpec.MLP)) {
      for (int units : spec.hidden()) {
        block.add(Linear.builder().setUnits(units).build());
        block.add(Activation.reluBlock());
        if (spec.dropout() > 0) block.add(Dropout.builder().optRate((float) spec.dropout()).build());
      }
    }
    block.add(Linear.builder().setUnits(spec.numClasses()).build());
    return block;
  }

  /**
   * Initializes the block's parameters from the seed. The engine's random generator is global,
   * so seeding and drawing happen under one lock: heads built in parallel (a sweep) still get
   * exactly the weights their seed gives.
   */
  public static void initialize(Block block, HeadSpec spec, NDManager manager, long seed) {
    synchronized (Engine.class) {
      Engine.getInstance().setRandomSeed(seedInt(seed));
      block.initialize(manager, DataType.FLOAT32, new Shape(1, spec.inputDim()));
    }
  }

  /** Builds and initializes in one go. */
  public static SequentialBlock create(HeadSpec spec, NDManager manager, long seed) {
    SequentialBlock block = build(spec);
    initialize(block, spec, manager, seed);
    return block;
  }

  /** The head's standardization layer, when it has one. */
  public static Optional<Standardize> standardization(Block head) {
    for (Block child : head.getChildren().values()) {
      if (child instanceof Standardize s) return Optional.of(s);
    }
    return Optional.empty();
  }

  /** DJL seeds with an int; fold the long so seeds above 2^31 still differ. */
  public static int seedInt(long seed) {
    return (int) (seed ^ (seed >>> 32));
  }
}
