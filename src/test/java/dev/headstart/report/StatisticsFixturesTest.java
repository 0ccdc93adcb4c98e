package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.headstart.runs.ClassScores;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * headstart's statistics against values scipy and scikit-learn computed on fixed inputs
 * (src/test/resources/stats/fixtures.json, written by tools/make_stats_fixtures.py): Wilson
 * intervals, McNemar exact and mid-p values, recall, precision, balanced accuracy, macro-F1 and
 * the sample standard deviation of a seed spread.
 */
class StatisticsFixturesTest {
  private static JsonObject fixtures;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = StatisticsFixturesTest.class.getResourceAsStream("/stats/fixtures.json")) {
      assertThat(in).as("stats/fixtures.json on the test classpath").isNotNull();
      fixtures = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
    }
  }

  @Test
  void wilsonIntervalsMatchScipy() {
    JsonArray cases = fixtures.getAsJsonArray("wilson");
    assertThat(cases.size()).isGreaterThanOrEqualTo(9);
    for (JsonElement e : cases) {
      JsonObject c = e.getAsJsonObject();
      Wilson w = Wilson.of(c.get("successes").getAsInt(), c.get("n").getAsInt());
      assertThat(w.low()).as("low of %s", c).isCloseTo(c.get("low").getAsDouble(), within(1e-12));
      assertThat(w.high()).as("high of %s", c).isCloseTo(c.get("high").getAsDouble(), within(1e-12));
    }
  }

  @Test
  void mcnemarPValuesMatchScipysBinomialTest() {
    for (JsonElement e : fixtures.getAsJsonArray("mcnemar")) {
      JsonObject c = e.getAsJsonObject();
      McNemar m = McNemar.of(c.get("b").getAsInt(), c.get("c").getAsInt());
      double exact = c.get("exact_p").getAsDouble();
      double mid = c.get("mid_p").getAsDouble();
      assertThat(m.exactP()).as("exact p of %s", c).isCloseTo(exact, within(1e-9 * Math.max(1e-3, exact)));
      assertThat(m.midP()).as("mid-p of %s", c).isCloseTo(mid, within(1e-9 * Math.max(1e-3, mid)));
    }
  }

  @Test
  void imbalanceScoresMatchScikitLearn() {
    for (JsonElement e : fixtures.getAsJsonArray("scores")) {
      JsonObject c = e.getAsJsonObject();
      int[] labels = ints(c.getAsJsonArray("labels"));
      int[] predicted = ints(c.getAsJsonArray("predicted"));
      ClassScores s = ClassScores.of(labels, predicted, c.get("classes").getAsInt());
      assertThat(s.accuracy()).isCloseTo(c.get("accuracy").getAsDouble(), within(1e-12));
      assertThat(s.balancedAccuracy()).as("balanced accuracy of %s", c)
          .isCloseTo(c.get("balanced_accuracy").getAsDouble(), within(1e-12));
      assertThat(s.macroF1()).as("macro-F1 of %s", c).isCloseTo(c.get("macro_f1").getAsDouble(), within(1e-12));
      JsonArray recall = c.getAsJsonArray("recall");
      JsonArray precision = c.getAsJsonArray("precision");
      for (int k = 0; k < recall.size(); k++) {
        if (recall.get(k).isJsonNull()) {
          assertThat(s.recall()[k]).as("recall of class %d without images", k).isNaN();
        } else {
          assertThat(s.recall()[k]).isCloseTo(recall.get(k).getAsDouble(), within(1e-12));
        }
        assertThat(s.precision()[k]).isCloseTo(precision.get(k).getAsDouble(), within(1e-12));
      }
    }
  }

  @Test
  void seedSpreadIsTheSampleStandardDeviation() {
    for (JsonElement e : fixtures.getAsJsonArray("spread")) {
      JsonObject c = e.getAsJsonObject();
      double[] v = new double[c.getAsJsonArray("values").size()];
      for (int i = 0; i < v.length; i++) v[i] = c.getAsJsonArray("values").get(i).getAsDouble();
      assertThat(SeedGroups.mean(v)).isCloseTo(c.get("mean").getAsDouble(), within(1e-12));
      assertThat(SeedGroups.sd(v)).isCloseTo(c.get("sd").getAsDouble(), within(1e-12));
    }
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
    return out;
  }
}
