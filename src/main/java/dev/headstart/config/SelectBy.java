package dev.headstart.config;

/**
 * What "best" means when the train stage picks a head's epoch and ranks a sweep's points, always
 * on the validation split: plain accuracy, balanced accuracy (mean recall per class) or macro-F1.
 * The last two keep a small class from being ignored when the classes are imbalanced.
 */
public enum SelectBy implements Choice {
  ACCURACY,
  BALANCED_ACCURACY,
  MACRO_F1
}
