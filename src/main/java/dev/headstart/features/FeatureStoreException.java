package dev.headstart.features;

import dev.headstart.core.UserException;

/**
 * A feature store that cannot be used as it is: missing, empty, inconsistent with its manifest,
 * or holding bad values. The message names the store, split or file and says what to do.
 */
public class FeatureStoreException extends UserException {
  public FeatureStoreException(String message) {
    super(message);
  }

  public FeatureStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
