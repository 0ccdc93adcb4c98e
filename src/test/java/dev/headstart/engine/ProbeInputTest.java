package dev.headstart.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProbeInputTest {
  @Test
  void javaGivesTheValuesPythonsExporterGives() {
    // tools/export_backbone.py probe_input((4,), seed=1), printed with repr()
    float[] v = ProbeInput.generate(4, 1);
    assertThat(v).containsExactly(-1.9689395427703857f, 0.48927831649780273f, -1.88090181350708f,
        -1.7571079730987549f);
  }

  @Test
  void valuesAreExactMultiplesOfTwoToTheMinus22InMinusTwoToTwo() {
    float[] v = ProbeInput.generate(100_000, 12345);
    for (float f : v) {
      assertThat(f).isBetween(-2f, 2f);
      double scaled = (f + 2.0) * (1 << 22);
      assertThat(scaled).isEqualTo(Math.rint(scaled));
    }
  }
}
