package dev.headstart.core;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;

/**
 * How a stage talks to the user: what it did (info), what the user should know although it goes on
 * (warn), and a stream for progress meters (images/s, ETA). The command line's reporter writes to
 * stderr, keeping stdout for results; tests and benchmarks can pass {@link #silent()}.
 */
public interface Reporter {
  /** A line of what a stage did: counts, where it wrote, what it chose. */
  void info(String line);

  /** Something that did not stop the stage but should not go unseen; always shown. */
  void warn(String line);

  /** Where progress meters write their lines. */
  PrintStream progress();

  default void info(String format, Object... args) {
    info(String.format(Locale.ROOT, format, args));
  }

  default void warn(String format, Object... args) {
    warn(String.format(Locale.ROOT, format, args));
  }

  /** Everything to stderr: the command line's reporter. */
  static Reporter stderr() {
    return of(System.err);
  }

  /** Every line to one stream. */
  static Reporter of(PrintStream out) {
    return new Reporter() {
      @Override
      public void info(String line) {
        out.println(line);
      }

      @Override
      public void warn(String line) {
        out.println("warning: " + line);
      }

      @Override
      public PrintStream progress() {
        return out;
      }
    };
  }

  /** Nothing shown: for benchmarks that print their own figures. */
  static Reporter silent() {
    return of(new PrintStream(OutputStream.nullOutputStream()));
  }
}
