package dev.headstart.head;

import java.util.List;

/** How a group of heads trains one epoch: every head still running, over the rows in {@code order}. */
interface EpochStrategy extends AutoCloseable {
  /** Opens the epochs of a group's runs, given the optimizer steps an epoch takes. */
  interface Factory {
    EpochStrategy open(List<HeadRun> runs, int stepsPerEpoch);
  }

  /** Trains one epoch and leaves each active head's running loss and accuracy in its lastTrain. */
  void train(List<HeadRun> active, long[] order, int batch);

  @Override
  default void close() {}
}
