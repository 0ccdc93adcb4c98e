package dev.headstart.engine;

import dev.headstart.config.HeadstartVersion;
import dev.headstart.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Where the engine check's result lives: one JSON file per machine key under the user's cache
 * folder ($HEADSTART_CACHE_DIR, else $XDG_CACHE_HOME/headstart, else ~/.cache/headstart), so the
 * check runs once per machine and again when the CPU, libtorch, DJL, headstart or the battery
 * changes.
 */
public final class EngineChoices {
  private EngineChoices() {}

  public static Path cacheDir() {
    String own = System.getenv("HEADSTART_CACHE_DIR");
    if (own != null && !own.isBlank()) return Path.of(own);
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("headstart");
  }

  /** The key of this machine and build. */
  public static String key(CpuInfo cpu) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      String text = String.join("\n", cpu.vendor(), cpu.model(), cpu.family(), String.join(" ",
          new java.util.TreeSet<>(cpu.flags())), EngineVersions.LIBTORCH, EngineVersions.DJL,
          HeadstartVersion.VERSION, EngineBattery.CONVS.toString());
      // a libtorch of the machine is another build of the same version: its own check
      LibtorchFolder own = LibtorchSwitch.installed();
      if (own != null) text += "\n" + own.dir() + "\n" + own.version();
      md.update(text.getBytes(StandardCharsets.UTF_8));
      try (InputStream in = EngineChoices.class.getResourceAsStream("battery/battery.json")) {
        if (in != null) md.update(in.readAllBytes());
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException("cannot compute the engine check's key: " + e.getMessage(), e);
    }
  }

  public static Path file(String key) {
    return cacheDir().resolve("engine").resolve("check-" + key + ".json");
  }

  /** The cached result for this machine, or null. */
  public static EngineChoice cached(CpuInfo cpu) {
    Path f = file(key(cpu));
    if (!Files.isRegularFile(f)) return null;
    try {
      EngineChoice c = Json.read(f, EngineChoice.class);
      return c.version() == EngineChoice.VERSION && c.chosen() != null ? c : null;
    } catch (IOException e) {
      return null; // unreadable: check again and overwrite it
    }
  }

  /** The cached result, or a fresh check (several child processes) whose result is then cached. */
  public static EngineChoice forThisMachine(CpuInfo cpu, Consumer<String> log) {
    EngineChoice c = cached(cpu);
    if (c != null) return c;
    return check(cpu, log);
  }

  /** Runs the check now and caches it. */
  public static EngineChoice check(CpuInfo cpu, Consumer<String> log) {
    String key = key(cpu);
    Path f = file(key);
    try {
      EngineChoice c = new EngineCheck(cpu, f.getParent().resolve("work"), log).run(key);
      Files.createDirectories(f.getParent());
      Json.writeFile(f, c);
      return c;
    } catch (IOException e) {
      throw new IllegalStateException("the engine check could not run child processes or write "
          + f + ": " + e.getMessage(), e);
    }
  }

}
