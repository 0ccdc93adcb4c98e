package dev.headstart.cli;

import dev.headstart.config.DeviceSetting;
import dev.headstart.engine.DevicePlan;

/**
 * A GPU asked for (backbone.device gpu, --device gpu:1) that cannot be had stops the command
 * before anything runs: before the engine check, which would otherwise start libtorch first.
 */
final class DeviceCheck {
  private DeviceCheck() {}

  static DevicePlan before(String key, String setting) {
    return DevicePlan.current(key, DeviceSetting.parse(key, setting));
  }
}
