package dev.headstart.runs;

import java.util.List;
import java.util.Map;

/**
 * config.json of a run: what made it (Tribuo-style provenance). Enough to say which images,
 * which backbone file, which preprocessing and which hyperparameters produced the weights.
 *
 * @param name the run folder's name
 * @param method head, finetune, partial or scratch
 * @param backbone uri, sha256, name of the backbone file
 * @param featuresFingerprint fingerprint of the feature store a head was trained on (empty otherwise)
 * @param dataFingerprint fingerprint of the image set a finetune run was trained on (empty otherwise)
 * @param preprocessing the model card values used to turn images into tensors
 * @param classes the class names, index = label id
 * @param hyperparameters the resolved settings of the stage section (snake_case keys)
 * @param weights the weights file inside the run folder, relative to it
 * @param createdAt ISO-8601 time the run finished
 * @param headstartVersion the headstart version that trained it
 */
public record RunConfig(
    String name,
    String method,
    Map<String, Object> backbone,
    String featuresFingerprint,
    String dataFingerprint,
    Map<String, Object> preprocessing,
    List<String> classes,
    Map<String, Object> hyperparameters,
    String weights,
    String createdAt,
    String headstartVersion) {}
