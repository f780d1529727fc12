package org.polarisagent.plugin.grpc.adapter.client;

import io.grpc.ChannelLogger;

/** A channel logger that drops every line. */
final class QuietChannelLogger extends ChannelLogger {
  static final QuietChannelLogger INSTANCE = new QuietChannelLogger();

  private QuietChannelLogger() {}

  @Override
  public void log(ChannelLogLevel level, String message) {}

  @Override
  public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
}
