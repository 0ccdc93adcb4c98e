package dev.headstart.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstart.core.Reporter;
import dev.headstart.core.UserException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A backbone loaded on a guess speaks, and fails, only when someone takes it. */
class BackbonePreloadTest {
  @Test
  void aFailedLoadIsThrownWhenTakenAndForgottenWhenNot() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Reporter reporter = Reporter.of(new PrintStream(out, true, StandardCharsets.UTF_8));
    BackbonePreload unused = BackbonePreload.load(reporter, held -> {
      held.warn("the frozen file disagrees");
      throw new UserException("backbone x disagrees with its known answer");
    });
    assertThat(unused.started()).isTrue();
    unused.close();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();

    BackbonePreload taken = BackbonePreload.load(reporter, held -> {
      held.warn("the frozen file disagrees");
      throw new UserException("backbone x disagrees with its known answer");
    });
    assertThatThrownBy(() -> taken.take(reporter)).isInstanceOf(UserException.class)
        .hasMessageContaining("known answer");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("warning: the frozen file disagrees");
  }

  @Test
  void noPreloadHasNothingToTake() {
    BackbonePreload none = BackbonePreload.none();
    assertThat(none.started()).isFalse();
    assertThatThrownBy(() -> none.take(Reporter.silent())).isInstanceOf(IllegalStateException.class);
    none.close();
  }
}
