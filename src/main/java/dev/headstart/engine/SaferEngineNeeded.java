package dev.headstart.engine;

/**
 * Thrown when this process cannot go on under its oneDNN cap (the backbone's known answer failed,
 * or libtorch was loaded before the cap could be set): the command line runs the same command again
 * in a child process with oneDNN capped at {@link #isa()}, where that is allowed.
 */
public final class SaferEngineNeeded extends RuntimeException {
  private final Isa isa;

  public SaferEngineNeeded(Isa isa, String reason) {
    super(reason);
    this.isa = isa;
  }

  public Isa isa() {
    return isa;
  }
}
