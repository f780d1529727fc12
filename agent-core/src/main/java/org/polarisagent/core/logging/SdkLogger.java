package org.polarisagent.core.logging;

import org.polarisagent.core.logging.AgentLog.Level;
import org.polarisagent.core.sdk.PolarisRefusal;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MarkerIgnoringBase;
import org.slf4j.helpers.MessageFormatter;

/**
 * An SLF4J logger of the Polaris SDK, writing to {@link SdkLogFile}; trace counts as debug, markers
 * are ignored. One plain method per SLF4J level method (not a reflective proxy): the SDK asks on
 * every call whether debug is enabled, and that must stay a field read. Thread-safe.
 */
final class SdkLogger extends MarkerIgnoringBase {

  private static final long serialVersionUID = 1L;

  SdkLogger(String name) {
    this.name = name;
  }

  private void log(Level level, String message, Throwable failure) {
    if (failure != null && (level == Level.ERROR || level == Level.WARN)) {
      PolarisRefusal.notice(failure);
    }
    SdkLogFile.write(level, name, message, failure);
  }

  private void format(Level level, String pattern, Object... args) {
    if (SdkLogFile.enabled(level)) {
      FormattingTuple tuple = MessageFormatter.arrayFormat(pattern, args);
      log(level, tuple.getMessage(), tuple.getThrowable());
    }
  }

  @Override
  public boolean isTraceEnabled() {
    return SdkLogFile.enabled(Level.DEBUG);
  }

  @Override
  public void trace(String msg) {
    log(Level.DEBUG, msg, null);
  }

  @Override
  public void trace(String format, Object arg) {
    format(Level.DEBUG, format, arg);
  }

  @Override
  public void trace(String format, Object a, Object b) {
    format(Level.DEBUG, format, a, b);
  }

  @Override
  public void trace(String format, Object... args) {
    format(Level.DEBUG, format, args);
  }

  @Override
  public void trace(String msg, Throwable t) {
    log(Level.DEBUG, msg, t);
  }

  @Override
  public boolean isDebugEnabled() {
    return SdkLogFile.enabled(Level.DEBUG);
  }

  @Override
  public void debug(String msg) {
    log(Level.DEBUG, msg, null);
  }

  @Override
  public void debug(String format, Object arg) {
    format(Level.DEBUG, format, arg);
  }

  @Override
  public void debug(String format, Object a, Object b) {
    format(Level.DEBUG, format, a, b);
  }

  @Override
  public void debug(String format, Object... args) {
    format(Level.DEBUG, format, args);
  }

  @Override
  public void debug(String msg, Throwable t) {
    log(Level.DEBUG, msg, t);
  }

  @Override
  public boolean isInfoEnabled() {
    return SdkLogFile.enabled(Level.INFO);
  }

  @Override
  public void info(String msg) {
    log(Level.INFO, msg, null);
  }

  @Override
  public void info(String format, Object arg) {
    format(Level.INFO, format, arg);
  }

  @Override
  public void info(String format, Object a, Object b) {
    format(Level.INFO, format, a, b);
  }

  @Override
  public void info(String format, Object... args) {
    format(Level.INFO, format, args);
  }

  @Override
  public void info(String msg, Throwable t) {
    log(Level.INFO, msg, t);
  }

  @Override
  public boolean isWarnEnabled() {
    return SdkLogFile.enabled(Level.WARN);
  }

  @Override
  public void warn(String msg) {
    log(Level.WARN, msg, null);
  }

  @Override
  public void warn(String format, Object arg) {
    format(Level.WARN, format, arg);
  }

  @Override
  public void warn(String format, Object a, Object b) {
    format(Level.WARN, format, a, b);
  }

  @Override
  public void warn(String format, Object... args) {
    format(Level.WARN, format, args);
  }

  @Override
  public void warn(String msg, Throwable t) {
    log(Level.WARN, msg, t);
  }

  @Override
  public boolean isErrorEnabled() {
    return SdkLogFile.enabled(Level.ERROR);
  }

  @Override
  public void error(String msg) {
    log(Level.ERROR, msg, null);
  }

  @Override
  public void error(String format, Object arg) {
    format(Level.ERROR, format, arg);
  }

  @Override
  public void error(String format, Object a, Object b) {
    format(Level.ERROR, format, a, b);
  }

  @Override
  public void error(String format, Object... args) {
    format(Level.ERROR, format, args);
  }

  @Override
  public void error(String msg, Throwable t) {
    log(Level.ERROR, msg, t);
  }
}
