package dev.headstart.cli;

import dev.headstart.core.UserException;

import dev.headstart.engine.EngineGuard;
import dev.headstart.engine.Workload;
import java.util.EnumSet;

import dev.headstart.predict.ImageInputs;
import dev.headstart.predict.ImagePrediction;
import dev.headstart.predict.PredictionWriter;
import dev.headstart.predict.Predictor;
import dev.headstart.predict.RunClassifier;
import dev.headstart.predict.RunClassifiers;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** ./predict: classify new images with a trained run. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Classifies images with a trained run: a head run (the backbone it was trained",
      "on + its head) or a finetune/partial/scratch run (the whole finetuned network).",
      "Images can be files or folders (walked recursively, any layout). A file that is",
      "not a readable image gets its error in the output; the others are still classified.",
      "",
      "Examples:",
      "  ./predict my_photos/ --run runs/head-linear-sgd-lr0.001-bs16-e25-1a2b3c",
      "  ./predict a.jpg b.png --run runs/finetune-... --top-k 3 --out predictions.json",
      "",
      "Output columns: path, predicted, probability, top_k (class:probability;...), error."
    })
public final class PredictCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "IMAGE|DIR", description = "Image files or folders to classify.")
  List<Path> inputs;

  @Option(names = "--run", required = true, paramLabel = "DIR",
      description = "The run folder to predict with (runs/<run>; see reports/summary.csv for the best).")
  Path run;

  @Option(names = {"-o", "--out"}, paramLabel = "FILE", defaultValue = "-",
      description = "Where to write: a .csv or .json file, or - for CSV on stdout (default).")
  String out;

  @Option(names = {"-k", "--top-k"}, defaultValue = "3", description = "Classes listed per image (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--batch-size", defaultValue = "32", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--backbone", paramLabel = "FILE",
      description = "For head runs: the backbone .pt to use when the recorded file has moved (its SHA-256 must match).")
  String backbone;

  @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, gpu or gpu:N (default: ${DEFAULT-VALUE}):"
      + " auto = the first GPU when HEADSTART_LIBTORCH names a CUDA libtorch and the driver shows one, else the CPU.")
  String device;

  @Option(names = "--max-pixels", defaultValue = "100000000",
      description = "Images with more pixels are reported as too large (default: ${DEFAULT-VALUE}).")
  long maxPixels;

  @Option(names = {"-v", "--verbose"}, description = "Show informational logs.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (topK < 1) throw new UserException("--top-k must be 1 or more, got " + topK);
    if (batchSize < 1) throw new UserException("--batch-size must be 1 or more, got " + batchSize);
    if (!out.equals("-") && !out.endsWith(".csv") && !out.endsWith(".json")) {
      throw new UserException("--out " + out + ": give a file ending in .csv or .json, or - for stdout");
    }
    List<Path> files = ImageInputs.expand(inputs);
    if (files.isEmpty()) throw new UserException("no files found in " + inputs);
    List<ImagePrediction> predictions;
    DeviceCheck.before("--device", device);
    EngineGuard.prepare(EnumSet.of(Workload.FP32_INFERENCE));
    try (RunClassifier classifier = RunClassifiers.open(run, backbone, device)) {
      predictions = new Predictor(classifier, maxPixels, batchSize, topK).predict(files);
    }
    if (out.equals("-")) {
      Writer w = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
      PredictionWriter.csv(predictions, w);
    } else {
      Path file = Path.of(out);
      if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
      try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        if (out.endsWith(".json")) PredictionWriter.json(predictions, w);
        else PredictionWriter.csv(predictions, w);
      }
    }
    long failed = predictions.stream().filter(p -> !p.ok()).count();
    System.err.printf("predict: %d images classified, %d could not be read%s%n",
        predictions.size() - failed, failed, failed > 0 ? " (see the error column)" : "");
    return 0;
  }
}
