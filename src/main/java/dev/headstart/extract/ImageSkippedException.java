package dev.headstart.extract;

/**
 * An image that cannot be used, with the reason recorded in the manifest's skipped list
 * ("empty file (0 bytes)", "truncated JPEG", "too large: ..."). Extract skips it and goes on
 * unless --strict.
 */
public final class ImageSkippedException extends Exception {
  public ImageSkippedException(String reason) {
    super(reason);
  }

  public ImageSkippedException(String reason, Throwable cause) {
    super(reason, cause);
  }

  public String reason() {
    return getMessage();
  }
}
