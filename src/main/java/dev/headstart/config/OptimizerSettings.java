package dev.headstart.config;

import java.util.Set;

/** The optimizer train and finetune share: which one, its learning rate, momentum and weight decay. */
public record OptimizerSettings(OptimizerKind optimizer, double lr, double momentum, double weightDecay)
    implements FlatSettings {

  void check(String section, Set<OptimizerKind> allowed) {
    if (!allowed.contains(optimizer)) {
      throw new ConfigException("'" + section + ".optimizer' must be one of "
          + allowed.stream().map(OptimizerKind::id).sorted().toList() + ", got '" + optimizer.id() + "'");
    }
    Check.positive(section + ".lr", lr);
    Check.fraction(section + ".momentum", momentum);
    Check.nonNegative(section + ".weight_decay", weightDecay);
  }
}
