package dev.headstart.runs;

/** Quoting for hand-written CSV lines (paths and class names may hold commas and quotes). */
public final class Csv {
  private Csv() {}

  public static String quote(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
