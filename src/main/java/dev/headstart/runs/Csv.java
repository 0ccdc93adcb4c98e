package dev.headstart.runs;

/** Quoting for the few hand-written CSV lines of a run (paths and class names may hold commas). */
final class Csv {
  private Csv() {}

  static String quote(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
