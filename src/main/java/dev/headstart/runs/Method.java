package dev.headstart.runs;

/** How a run was trained; the report groups and compares runs by it. */
public enum Method {
  /** A classifier head on cached backbone features (the train stage). */
  HEAD,
  /** Backbone and head trained end to end from pretrained weights. */
  FINETUNE,
  /** The last blocks of the backbone and the head trained, the rest frozen. */
  PARTIAL,
  /** The same architecture trained end to end from random weights. */
  SCRATCH;

  public String id() {
    return name().toLowerCase();
  }

  public static Method of(String id) {
    return valueOf(id.toUpperCase());
  }
}
