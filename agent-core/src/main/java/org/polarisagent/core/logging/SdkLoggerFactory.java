package org.polarisagent.core.logging;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/** Hands the Polaris SDK one logger ({@link SdkLogger}) per name. Thread-safe. */
public final class SdkLoggerFactory implements ILoggerFactory {

  private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

  @Override
  public Logger getLogger(String name) {
    Logger logger = loggers.get(name);
    if (logger == null) {
      Logger created = new SdkLogger(name);
      logger = loggers.putIfAbsent(name, created);
      if (logger == null) {
        logger = created;
      }
    }
    return logger;
  }
}
