package dev.headstart.config;

/**
 * How the training loss weighs each class: equally per image (none), or by inverse class
 * frequency (balanced: weight n / (k * n_c), scikit-learn's "balanced"), so a small class counts
 * as much in the loss as a large one.
 */
public enum ClassWeights implements Choice {
  NONE,
  BALANCED
}
