package dev.headstart.config;

import java.util.Locale;

/**
 * A closed choice in pipeline.yaml (an optimizer, a scheduler, a head type): an enum whose
 * constants are written in lower case, as the seeds write them ({@code sgd}, {@code cosine}).
 */
public interface Choice {
  /** The value as pipeline.yaml, config.json and run names write it. */
  default String id() {
    return ((Enum<?>) this).name().toLowerCase(Locale.ROOT);
  }
}
