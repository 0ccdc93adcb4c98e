package dev.headstart.core;

/**
 * An error caused by the user's input (a missing folder, features from another backbone, a bad
 * hyperparameter). The CLI prints its message alone, without a stack trace, and exits with 2;
 * so the message must name the file or key and say what to do.
 */
public class UserException extends RuntimeException {
  public UserException(String message) {
    super(message);
  }

  public UserException(String message, Throwable cause) {
    super(message, cause);
  }
}
