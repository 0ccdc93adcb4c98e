package dev.headstart.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count, set explicitly by each stage for its own work (extract
 * balances it against decoders, finetune gives libtorch the cores the image threads leave, train
 * uses one) and restored where stages share a JVM. The user's own
 * {@code -Dai.djl.pytorch.num_threads} always wins; it is read once, when the JVM starts, so no
 * stage mistakes another's setting for the user's.
 */
public final class LibtorchThreads {
  public static final String PROPERTY = "ai.djl.pytorch.num_threads";
  private static final int USER = parse(System.getProperty(PROPERTY));

  private LibtorchThreads() {}

  /** The count the user fixed with -Dai.djl.pytorch.num_threads, or 0 when they did not. */
  public static int userSetting() {
    return USER;
  }

  /** The user's count if they fixed one, else the stage's own choice. */
  public static int orUser(int stageChoice) {
    return USER > 0 ? USER : stageChoice;
  }

  /** Sets libtorch's intra-op threads (loading the engine first) and returns the count it had. */
  public static int set(int threads) {
    Engine.getEngine("PyTorch");
    int before = JniUtils.getNumThreads();
    if (threads > 0 && threads != before) JniUtils.setNumThreads(threads);
    return before;
  }

  /** libtorch's intra-op threads now (loads the engine). */
  public static int current() {
    Engine.getEngine("PyTorch");
    return JniUtils.getNumThreads();
  }

  private static int parse(String value) {
    if (value == null || value.isBlank()) return 0;
    try {
      return Math.max(0, Integer.parseInt(value.trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + " is not a whole number", e);
    }
  }
}
