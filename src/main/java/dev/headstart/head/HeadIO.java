package dev.headstart.head;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import dev.headstart.io.AtomicFiles;
import dev.headstart.io.Json;
import dev.headstart.runs.RunConfig;
import dev.headstart.runs.RunLayout;
import java.util.Map;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Saves and loads a head's parameters in DJL's own format (Block.saveParameters), the file a
 * run keeps as {@code weights/head.params}. Loading needs the {@link HeadSpec} the run recorded.
 */
public final class HeadIO {
  /** The head's file inside a run's weights folder. */
  public static final String FILE_NAME = "head.params";

  private HeadIO() {}

  public static void save(Block head, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = AtomicFiles.tempFor(file);
    try {
      try (OutputStream os = Files.newOutputStream(tmp);
          DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os))) {
        head.saveParameters(out);
      }
      AtomicFiles.move(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Rebuilds a trained head from its run folder alone: the spec from config.json's
   * hyperparameters (head, hidden, dropout, standardize, input_dim, num_classes), the parameters
   * from the weights file it names.
   */
  public static SequentialBlock loadFromRun(Path runDir, NDManager manager) throws IOException {
    RunConfig rc = Json.read(runDir.resolve(RunLayout.CONFIG), RunConfig.class);
    return load(specOf(rc), runDir.resolve(rc.weights()), manager);
  }

  /** The head spec a run recorded in its config.json. */
  public static HeadSpec specOf(RunConfig rc) {
    Map<String, Object> hp = rc.hyperparameters();
    if (!(hp.get("input_dim") instanceof Number dim)) {
      throw new IllegalArgumentException("run " + rc.name() + " records no input_dim: it is not a head run");
    }
    int classes = hp.get("num_classes") instanceof Number k ? k.intValue() : rc.classes().size();
    return HeadSpec.fromHyperparameters(hp, dim.intValue(), classes);
  }

  /** Rebuilds the head from its spec and loads its saved parameters into {@code manager}. */
  public static SequentialBlock load(HeadSpec spec, Path file, NDManager manager) throws IOException {
    SequentialBlock head = HeadFactory.build(spec);
    head.initialize(manager, DataType.FLOAT32, new Shape(1, spec.inputDim()));
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is))) {
      head.loadParameters(manager, in);
    } catch (MalformedModelException e) {
      throw new IOException(file + " does not hold the parameters of a " + spec + " head: " + e.getMessage(), e);
    }
    return head;
  }
}
