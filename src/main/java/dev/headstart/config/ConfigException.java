package dev.headstart.config;

/**
 * A problem with pipeline.yaml or a command-line override. The message always names the key or
 * file at fault and says what to do, because it is shown to the user as it is.
 */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
