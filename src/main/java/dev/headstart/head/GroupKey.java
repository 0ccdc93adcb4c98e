package dev.headstart.head;

/**
 * Which training a head joins within a lockstep group: a pack of linear heads of one optimizer
 * ({@link PackedLinearHeads}, numbered when the heads need several packs), or the autograd group.
 */
record GroupKey(String optimizer, int pack) {
  static final GroupKey AUTOGRAD = new GroupKey(null, -1);

  static GroupKey packed(String optimizer, int pack) {
    return new GroupKey(optimizer, pack);
  }

  boolean isPacked() {
    return optimizer != null;
  }
}
