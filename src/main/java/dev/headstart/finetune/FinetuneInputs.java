package dev.headstart.finetune;

import ai.djl.Device;
import dev.headstart.config.FinetuneConfig;
import dev.headstart.extract.BackboneSource;
import dev.headstart.extract.ModelCard;
import dev.headstart.extract.ProbeResult;
import dev.headstart.extract.Preprocessor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * What every mode of one finetune invocation shares: the decoded images, the backbone files and
 * the settings, prepared once.
 *
 * @param trainableFile the unfrozen TorchScript export each run loads afresh
 * @param trainableSha256 its SHA-256 (provenance)
 * @param probe the trainable file's known-answer check on this machine (null: the card has none)
 * @param executor decoding and prefetching threads
 * @param test the test split's images, or null when there is no test split
 */
record FinetuneInputs(
    FinetuneConfig config,
    List<String> classes,
    DecodedImages train,
    DecodedImages val,
    DecodedImages test,
    BackboneSource backbone,
    ModelCard card,
    Path trainableFile,
    String trainableSha256,
    ProbeResult probe,
    Preprocessor preprocessor,
    String dataFingerprint,
    Device device,
    ExecutorService executor,
    Path runsDir,
    double setupSeconds) {}
