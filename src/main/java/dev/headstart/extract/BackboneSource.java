package dev.headstart.extract;

import dev.headstart.core.UserException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a backbone comes from, before anything is loaded: the configured URI, the TorchScript
 * file extract runs (null for a djl:// model-zoo URL, which DJL resolves), and the model card.
 *
 * @param uri backbone.uri as configured (a path or a djl:// URL)
 * @param inferenceFile the frozen, inference-optimized TorchScript file; null for djl://
 * @param cardFile the model card JSON; null when the card is the default one of a djl:// URL
 */
public record BackboneSource(String uri, Path inferenceFile, Path cardFile, ModelCard card) {

  public boolean isModelZoo() {
    return inferenceFile == null;
  }

  /**
   * The TorchScript file extract runs at a precision: the inference file for fp32, and the
   * bfloat16 export beside it ({@code name-bf16.pt}) for bf16.
   */
  public Path inferenceFile(String precision) {
    if (!precision.equals("bf16")) return inferenceFile;
    if (isModelZoo()) {
      throw new UserException("extract.precision is bf16, but backbone.uri " + uri + " is a model-zoo URL; "
          + "bf16 needs a local bfloat16 export: export the backbone with "
          + "/usr/bin/python3 tools/export_backbone.py --bf16, then set backbone.uri to its .pt file");
    }
    String name = inferenceFile.getFileName().toString();
    String stem = name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
    Path bf16 = inferenceFile.resolveSibling(stem + "-bf16.pt");
    if (!Files.isRegularFile(bf16)) {
      throw new UserException("extract.precision is bf16, but the bfloat16 export " + bf16 + " does not exist; "
          + "export the backbone again with /usr/bin/python3 tools/export_backbone.py --bf16 (same --model, "
          + "--weights and --out " + inferenceFile.toAbsolutePath().getParent() + "), "
          + "or set extract.precision to fp32");
    }
    return bf16;
  }

  /**
   * The trainable TorchScript file the finetune stage loads (card.trainable_file, beside the
   * card). A clear error when the card names none or the file is missing.
   */
  public Path trainableFile() {
    if (cardFile == null) {
      throw new UserException("backbone.uri " + uri + " has no local model card, so there is no "
          + "trainable TorchScript file; export one with /usr/bin/python3 tools/export_backbone.py "
          + "and set backbone.uri to its .pt file");
    }
    if (card.trainableFile() == null || card.trainableFile().isBlank()) {
      throw new UserException("model card " + cardFile + " names no trainable_file; re-export the "
          + "backbone with tools/export_backbone.py, which writes name-trainable.pt beside name.pt");
    }
    Path file = cardFile.toAbsolutePath().getParent().resolve(card.trainableFile());
    if (!Files.isRegularFile(file)) {
      throw new UserException("trainable backbone " + file + " (trainable_file of model card "
          + cardFile + ") does not exist; re-export the backbone with tools/export_backbone.py");
    }
    return file;
  }
}
