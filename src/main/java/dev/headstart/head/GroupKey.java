package dev.headstart.head;

import dev.headstart.config.OptimizerKind;

/**
 * Which training a head joins within a lockstep group: a pack of linear heads of one optimizer
 * ({@link PackedLinearHeads}, numbered when the heads need several packs), or the autograd group.
 */
record GroupKey(OptimizerKind optimizer, int pack) {
  static final GroupKey AUTOGRAD = new GroupKey(null, -1);

  static GroupKey packed(OptimizerKind optimizer, int pack) {
    return new GroupKey(optimizer, pack);
  }

  boolean isPacked() {
    return optimizer != null;
  }
}
