package dev.headstart.config;

import java.util.List;

/**
 * The classifier head train and finetune put on the features.
 *
 * @param hidden widths of the hidden layers of an mlp head
 * @param dropout before each layer of an mlp head
 */
public record HeadSettings(HeadKind head, List<Integer> hidden, double dropout) implements FlatSettings {
  public HeadSettings {
    hidden = List.copyOf(hidden);
  }

  void check(String section) {
    Check.fraction(section + ".dropout", dropout);
    for (int i = 0; i < hidden.size(); i++) Check.positive(section + ".hidden[" + i + "]", hidden.get(i));
  }
}
