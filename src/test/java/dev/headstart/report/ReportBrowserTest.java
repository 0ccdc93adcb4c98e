package dev.headstart.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the index.html of the runs made by the real stages ({@link RealRuns}) in a real browser
 * (Debian's headless Chromium, offline flags) and checks what it rendered: the DOM after scripts
 * ran has the charts, the table rows and the thumbnails, and the screenshot is a real, non-blank
 * picture. Page and screenshot are kept at target/report-browser/ to look at.
 */
class ReportBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final int WIDTH = 1400;
  static final int HEIGHT = 3000;

  @TempDir static Path root;
  static Path index;
  static ReportStage.Result result;

  @BeforeAll
  static void render() throws IOException {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
        "skipped: /usr/bin/chromium is absent; install it with `apt-get install -y chromium` to check the HTML in a browser");
    RealRuns real = RealRuns.get();
    result = ReportStage.run(new ReportStage.Options(real.runs(), root.resolve("reports"),
        Optional.of(real.root.resolve("features").toString()), 12, List.of(real.root.resolve("images"))));
    index = result.index();
  }

  @Test
  void domHasEveryChartAndTableRow() throws Exception {
    String dom = chromium("--dump-dom", index.toUri().toString()).stdout();
    assertThat(dom).contains("<table id=\"summary\"");
    // accuracy by epoch, time to accuracy, costs, loss, per-class bars, and one confusion map
    // for the best run plus one for the finetune baseline when that is another run
    boolean sameRun = result.tables().best().map(LoadedRun::name)
        .equals(result.tables().baseline().map(LoadedRun::name));
    assertThat(count(dom, "<svg")).isEqualTo(sameRun ? 6 : 7);
    String body = dom.substring(dom.indexOf("<tbody>", dom.indexOf("id=\"summary\"")), dom.indexOf("</tbody>"));
    assertThat(count(body, "<tr")).isEqualTo(result.tables().runs().size()).isEqualTo(5);
    assertThat(count(dom, "<img")).isEqualTo(12);
    // the class folder "<red & co>" came through as text, not as markup
    assertThat(dom).contains("&lt;red &amp; co&gt;");
  }

  @Test
  void screenshotIsARealPicture() throws Exception {
    Path png = root.resolve("index.png");
    chromium("--screenshot=" + png, "--window-size=" + WIDTH + "," + HEIGHT, index.toUri().toString());
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).as("chromium wrote no PNG").isNotNull();
    assertThat(img.getWidth()).isEqualTo(WIDTH);
    assertThat(img.getHeight()).isEqualTo(HEIGHT);
    // a blank or failed page is one or two colours; charts, text and thumbnails give hundreds
    Set<Integer> colours = new HashSet<>();
    int nonWhite = 0;
    for (int y = 0; y < img.getHeight(); y += 3) {
      for (int x = 0; x < img.getWidth(); x += 3) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        if (rgb != 0xffffff) nonWhite++;
      }
    }
    assertThat(colours.size()).isGreaterThan(200);
    assertThat(nonWhite).isGreaterThan(img.getWidth() * img.getHeight() / 9 / 20);
    Path kept = Path.of("target", "report-browser");
    Files.createDirectories(kept);
    Files.copy(png, kept.resolve("index.png"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(index, kept.resolve("index.html"), StandardCopyOption.REPLACE_EXISTING);
  }

  record Output(int exit, String stdout) {}

  /** Runs headless Chromium with every network feature off and a throwaway profile. */
  static Output chromium(String... args) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(root, "chromium-profile");
    List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile));
    cmd.addAll(List.of(args));
    Path stdout = root.resolve("chromium.out");
    Path stderr = root.resolve("chromium.err");
    Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 120 s: " + String.join(" ", cmd));
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("chromium failed: %s%n%s", String.join(" ", cmd),
        Files.readString(stderr, StandardCharsets.UTF_8)).isZero();
    return new Output(p.exitValue(), out);
  }

  static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) n++;
    return n;
  }
}
