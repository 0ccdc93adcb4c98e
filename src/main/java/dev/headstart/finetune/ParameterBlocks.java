package dev.headstart.finetune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backbone's parameters grouped into blocks by their TorchScript names, in the order the
 * module registers them: {@code features.3.1.weight} belongs to block {@code features.3} (a
 * Sequential of stages, as in MobileNet, VGG, DenseNet and the tiny fixture), {@code
 * layer4.1.conv2.weight} to {@code layer4} and {@code conv1.weight} to {@code conv1} (ResNet,
 * Inception). The rule: a leading name that every parameter shares (a container such as {@code
 * features.} or a wrapper such as {@code m.}) is kept and the next name part closes the block. Partial finetuning trains the last
 * N of these blocks.
 */
public final class ParameterBlocks {
  private final Map<String, List<String>> blocks;

  private ParameterBlocks(Map<String, List<String>> blocks) {
    this.blocks = blocks;
  }

  /** Groups parameter names (in registration order) into blocks. */
  public static ParameterBlocks of(List<String> parameterNames) {
    int skip = sharedPrefixDepth(parameterNames);
    Map<String, List<String>> blocks = new LinkedHashMap<>();
    for (String name : parameterNames) {
      blocks.computeIfAbsent(blockOf(name, skip), k -> new ArrayList<>()).add(name);
    }
    return new ParameterBlocks(blocks);
  }

  static String blockOf(String name, int skip) {
    String[] parts = name.split("\\.");
    int end = Math.max(1, Math.min(skip + 1, parts.length - 1)); // the last part is the tensor
    return String.join(".", Arrays.copyOfRange(parts, 0, end));
  }

  /** How many leading name parts every parameter shares (a wrapper module's attribute name). */
  private static int sharedPrefixDepth(List<String> names) {
    if (names.isEmpty()) return 0;
    int depth = 0;
    while (true) {
      String first = part(names.get(0), depth);
      if (first == null) return depth;
      for (String n : names) {
        String p = part(n, depth);
        // stop at numeric parts: features.0 is a block, not a wrapper
        if (p == null || !p.equals(first) || p.chars().allMatch(Character::isDigit)) return depth;
        if (n.split("\\.").length <= depth + 2) return depth; // keep at least module + tensor
      }
      depth++;
    }
  }

  private static String part(String name, int index) {
    String[] parts = name.split("\\.");
    return index < parts.length ? parts[index] : null;
  }

  /** Block names in registration order. */
  public List<String> names() {
    return List.copyOf(blocks.keySet());
  }

  public int size() {
    return blocks.size();
  }

  /** The parameter names of the last n blocks (all of them when n >= size). */
  public List<String> lastBlocksParameters(int n) {
    List<String> names = names();
    List<String> out = new ArrayList<>();
    for (String b : names.subList(Math.max(0, names.size() - n), names.size())) out.addAll(blocks.get(b));
    return out;
  }

  public List<String> parametersOf(String block) {
    return blocks.getOrDefault(block, List.of());
  }
}
