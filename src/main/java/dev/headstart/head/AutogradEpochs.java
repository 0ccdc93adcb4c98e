package dev.headstart.head;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.List;

/** The general epoch: every head through DJL's autograd, in lockstep over shared batches. */
final class AutogradEpochs implements EpochStrategy {
  private final TrainingData data;
  private final NDArray trainX;

  AutogradEpochs(TrainingData data, NDArray trainX) {
    this.data = data;
    this.trainX = trainX;
  }

  /**
   * One pass over the train split for every head still training; each head's mean loss and
   * accuracy (running, as the seeds report) land in its lastTrain. Each batch gathers its rows by
   * index from the one [N, D] tensor, once for all heads: no per-row copies, and no copy of the
   * whole split per epoch either (that costs more than all the small gathers). A full batch
   * needs no gather at all: its gradient does not depend on the row order. One collector serves
   * the whole phase: the same gradients as one per step (optimizer updates are not recorded),
   * with fewer engine calls.
   */
  @Override
  public void train(List<HeadRun> active, long[] order, int batch) {
    int n = order.length;
    int steps = (n + batch - 1) / batch;
    try (NDManager em = data.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray perm = em.create(order);
      NDList labelBatches = new NDList(steps);
      float[] weights = new float[steps];
      for (HeadRun r : active) {
        r.losses = new NDList(steps);
        r.predictions = new NDList(steps);
      }
      for (int step = 0, s = 0; s < n; step++, s += batch) {
        int e = Math.min(n, s + batch);
        long t = System.nanoTime();
        NDArray xb;
        NDArray yb;
        if (steps == 1) {
          xb = trainX.get(em, new NDIndex());
          yb = data.trainYColumn().get(em, new NDIndex());
        } else {
          NDIndex rows = new NDIndex("{}", perm.get(new NDIndex().addSliceDim(s, e)));
          xb = trainX.get(em, rows);
          yb = data.trainYColumn().get(em, rows);
        }
        long share = (System.nanoTime() - t) / active.size();
        labelBatches.add(yb);
        weights[step] = (float) (e - s) / n;
        for (HeadRun r : active) {
          r.trainNanos += share;
          r.step(gc, xb, yb);
        }
      }
      NDArray labels = ai.djl.ndarray.NDArrays.concat(labelBatches).reshape(-1);
      NDArray w = em.create(weights);
      for (HeadRun r : active) {
        long t = System.nanoTime();
        double meanLoss = r.losses.size() == 1 ? r.losses.get(0).getFloat() * weights[0]
            : ai.djl.ndarray.NDArrays.stack(r.losses).dot(w).getFloat();
        long correct = ai.djl.ndarray.NDArrays.concat(r.predictions).eq(labels).sum().getLong();
        r.lastTrain = new double[] {meanLoss, (double) correct / n};
        r.losses = null;
        r.predictions = null;
        r.trainNanos += System.nanoTime() - t;
      }
    }
  }
}
