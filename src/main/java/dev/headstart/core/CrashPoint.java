package dev.headstart.core;

/**
 * Named points in the middle of multi-step writes where a test can have the JVM die as kill -9
 * would ({@code -Dheadstart.crash_at=NAME}): no finally block, no shutdown hook runs. The
 * tests of the store's guarantees use it to stop a child JVM at exactly the worst moment.
 */
public final class CrashPoint {
  private static final String AT = System.getProperty("headstart.crash_at", "");

  private CrashPoint() {}

  public static void reach(String name) {
    if (!AT.isEmpty() && AT.equals(name)) {
      System.err.println("crash point " + name + ": halting as kill -9 would");
      Runtime.getRuntime().halt(137);
    }
  }
}
