package dev.headstart.cli;

/** Quiet logs by default (warnings only); -v/--verbose shows info, -vv debug. */
final class Logging {
  private static final String KEY = "org.slf4j.simpleLogger.defaultLogLevel";
  private static final String CUDA_KEY = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

  private Logging() {}

  static void configure(String[] args) {
    String level = "warn";
    for (String a : args) {
      if (a.equals("-v") || a.equals("--verbose")) level = "info";
      if (a.equals("-vv")) level = "debug";
    }
    if (System.getProperty(KEY) == null || !level.equals("warn")) System.setProperty(KEY, level);
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    // DJL warns about CUDA on every machine without a GPU driver; that is the normal case here
    if (System.getProperty(CUDA_KEY) == null) System.setProperty(CUDA_KEY, "error");
  }
}
