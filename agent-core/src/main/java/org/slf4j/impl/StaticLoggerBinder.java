package org.slf4j.impl;

import org.polarisagent.core.logging.SdkLoggerFactory;
import org.slf4j.ILoggerFactory;
import org.slf4j.spi.LoggerFactoryBinder;

/**
 * The SLF4J 1.x binding inside the agent's class loader: the Polaris SDK's loggers write to {@link
 * org.polarisagent.core.logging.SdkLogFile}. Invisible to the application.
 */
public final class StaticLoggerBinder implements LoggerFactoryBinder {

  /** Version of the SLF4J API this binding is compiled against. */
  public static String REQUESTED_API_VERSION = "1.7.36";

  private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();
  private final ILoggerFactory factory = new SdkLoggerFactory();

  private StaticLoggerBinder() {}

  public static StaticLoggerBinder getSingleton() {
    return SINGLETON;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public String getLoggerFactoryClassStr() {
    return SdkLoggerFactory.class.getName();
  }
}
