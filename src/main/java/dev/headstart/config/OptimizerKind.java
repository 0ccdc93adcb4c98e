package dev.headstart.config;

/** SGD with momentum (the tutorial's), Adam, or AdamW (decoupled weight decay). */
public enum OptimizerKind implements Choice {
  SGD,
  ADAM,
  ADAMW
}
