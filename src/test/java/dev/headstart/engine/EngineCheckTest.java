package dev.headstart.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineCheckTest {
  @TempDir Path dir;

  static CpuInfo avx512Cpu() {
    return new CpuInfo("GenuineTest", "Test CPU", "6", 2, Set.of("sse4_1", "avx", "avx2", "avx512f"),
        List.of("sse4_1", "avx", "avx2", "avx512f"), true);
  }

  @Test
  void eachWorkloadGetsTheFastestCapThatNeitherCrashesNorMiscomputes() throws Exception {
    List<String> log = new ArrayList<>();
    EngineChoice c = new EngineCheck(avx512Cpu(), dir, log::add, FakeBatteryMain.class.getName()).run("k");
    assertThat(c.isaFor(Workload.FP32_INFERENCE)).isEqualTo(Isa.AVX2);
    assertThat(c.isaFor(Workload.BF16_INFERENCE)).isEqualTo(Isa.ALL);
    assertThat(c.isaFor(Workload.TRAINING)).isEqualTo(Isa.AVX512_CORE);
    // the crash is named, with the case it happened in; the workloads it cut off ran in a new child
    assertThat(c.trials()).anySatisfy(t -> {
      assertThat(t.isa()).isEqualTo("ALL");
      assertThat(t.workload()).isEqualTo("FP32_INFERENCE");
      assertThat(t.outcome()).isEqualTo("crashed");
      assertThat(t.worstCase()).isEqualTo("crashy");
    });
    assertThat(c.trials()).anySatisfy(t -> {
      assertThat(t.isa()).isEqualTo("AVX512_CORE");
      assertThat(t.workload()).isEqualTo("FP32_INFERENCE");
      assertThat(t.outcome()).isEqualTo("wrong");
      assertThat(t.worstDiff()).isEqualTo(0.25);
    });
    assertThat(log).containsExactly(
        "  oneDNN ALL: fp32 inference,bf16 inference,training",
        "  oneDNN ALL: bf16 inference,training",
        "  oneDNN AVX512_CORE: fp32 inference,training",
        "  oneDNN AVX2: fp32 inference");
    assertThat(c.summary()).isEqualTo("fp32 inference AVX2, bf16 inference ALL, training AVX512_CORE");
  }

  @Test
  void capsAreOrderedFromFastestToSafestAndLimitedToWhatTheCpuHas() {
    assertThat(Isa.candidates(Set.of("sse4_1", "avx", "avx2"))).containsExactly(Isa.ALL, Isa.AVX2, Isa.AVX, Isa.SSE41);
    assertThat(Isa.AVX2.safer(Set.of("sse4_1", "avx", "avx2"))).isEqualTo(Isa.AVX);
    assertThat(Isa.SSE41.safer(Set.of("sse4_1"))).isNull();
    assertThat(Isa.safest(Isa.AVX2, Isa.ALL)).isEqualTo(Isa.AVX2);
    assertThat(Isa.parse("avx512_core_bf16")).isEqualTo(Isa.AVX512_CORE);
    assertThat(Isa.parse(null)).isEqualTo(Isa.ALL);
  }

  @Test
  void thisJvmRunsUnderTheCapTheMachinesCheckChoseForEveryWorkload() {
    // EngineSetupListener prepared the test JVM as the command line prepares a command
    EngineGuard.Applied applied = EngineGuard.applied();
    if (applied.source().equals("engine check")) {
      EngineChoice c = EngineChoices.cached(CpuInfo.current());
      assertThat(c).isNotNull();
      Isa safest = Isa.ALL;
      for (Workload w : Workload.values()) safest = Isa.safest(safest, c.isaFor(w));
      assertThat(applied.isa()).isEqualTo(safest);
      assertThat(NativeEnv.get(EngineGuard.ISA_VARIABLE)).isEqualTo(safest.envValue);
    } else {
      assertThat(applied.source()).isIn("environment", "unchecked");
    }
  }

  @Test
  void cpuinfoGivesVendorModelFlagsAndHiddenCaches() throws Exception {
    Path cpuinfo = dir.resolve("cpuinfo");
    Files.writeString(cpuinfo, String.join("\n", "processor\t: 0", "vendor_id\t: AuthenticAMD",
        "cpu family\t: 26", "model name\t: AMD EPYC", "flags\t\t: fpu sse4_1 avx avx2 avx512f avx512_bf16",
        "", "processor\t: 1", "vendor_id\t: Other", ""));
    CpuInfo cpu = CpuInfo.read(cpuinfo, dir.resolve("no-cache-dir"));
    assertThat(cpu.vendor()).isEqualTo("AuthenticAMD");
    assertThat(cpu.model()).isEqualTo("AMD EPYC");
    assertThat(cpu.isaFlags()).containsExactly("sse4_1", "avx", "avx2", "avx512f", "avx512_bf16");
    assertThat(cpu.cacheSizesHidden()).isTrue();
    assertThat(cpu.describe()).contains("family 26").contains("cache sizes hidden");
  }
}
