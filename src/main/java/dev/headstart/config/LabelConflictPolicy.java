package dev.headstart.config;

/**
 * What train does with images whose bytes the listing also has under another class: keep each
 * copy with its own label (as torchvision's ImageFolder would), or leave every copy out.
 */
public enum LabelConflictPolicy implements Choice {
  KEEP,
  DROP
}
