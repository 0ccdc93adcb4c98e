package dev.headstart.config;

/** The classifier on the features: the tutorial's new fc layer, or hidden layers before it. */
public enum HeadKind implements Choice {
  LINEAR,
  MLP
}
