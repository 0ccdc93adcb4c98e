package dev.headstart.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** JSON for manifests, model cards and run files: snake_case keys, pretty, NaN allowed. */
public final class Json {
  public static final Gson GSON = new GsonBuilder()
      .setPrettyPrinting()
      .serializeSpecialFloatingPointValues()
      .disableHtmlEscaping()
      .setFieldNamingStrategy(f -> dev.headstart.config.RecordBinder.snake(f.getName()))
      .create();

  private Json() {}

  public static String write(Object value) {
    return GSON.toJson(value);
  }

  /** Writes the file under a temporary name and renames it, so a reader never sees half of it. */
  public static void writeFile(Path file, Object value) throws IOException {
    AtomicFiles.writeString(file, GSON.toJson(value) + "\n");
  }

  public static <T> T read(Path file, Class<T> type) throws IOException {
    try {
      T v = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), type);
      if (v == null) throw new IOException(file + " is empty");
      return v;
    } catch (JsonParseException e) {
      throw new IOException(file + " is not valid JSON for " + type.getSimpleName() + ": "
          + e.getMessage(), e);
    }
  }
}
