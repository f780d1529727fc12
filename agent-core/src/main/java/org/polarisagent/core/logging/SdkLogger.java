package org.polarisagent.core.logging;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Locale;
import org.polarisagent.core.logging.AgentLog.Level;
import org.polarisagent.core.sdk.PolarisRefusal;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;

/**
 * An SLF4J logger of the Polaris SDK, writing to {@link SdkLogFile}; trace counts as debug, markers
 * are ignored. SLF4J 1.x has no base class that funnels its sixty level methods into one, so the
 * logger is a proxy and this handler reads the level from the method's name: {@code isInfoEnabled},
 * {@code info(msg)}, {@code info(msg, throwable)}, {@code info(format, args...)}, each with or
 * without a leading marker. Thread-safe.
 */
final class SdkLogger implements InvocationHandler {

  private final String name;

  private SdkLogger(String name) {
    this.name = name;
  }

  static Logger create(String name) {
    return (Logger)
        Proxy.newProxyInstance(
            SdkLogger.class.getClassLoader(), new Class<?>[] {Logger.class}, new SdkLogger(name));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) {
    String methodName = method.getName();
    switch (methodName) {
      case "getName":
        return name;
      case "toString":
        return "SdkLogger[" + name + "]";
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      default:
        break;
    }
    boolean enabledQuery = methodName.startsWith("is");
    Level level =
        levelOf(
            enabledQuery
                ? methodName.substring(2, methodName.length() - "Enabled".length())
                : methodName);
    if (enabledQuery) {
      return SdkLogFile.enabled(level);
    }
    Class<?>[] types = method.getParameterTypes();
    int first = types.length > 0 && types[0] == Marker.class ? 1 : 0;
    String message = (String) args[first];
    if (types.length == first + 1) {
      log(level, message, null);
    } else if (types.length == first + 2 && types[first + 1] == Throwable.class) {
      log(level, message, (Throwable) args[first + 1]);
    } else if (SdkLogFile.enabled(level)) {
      Object[] formatArgs =
          types[first + 1] == Object[].class
              ? (Object[]) args[first + 1]
              : Arrays.copyOfRange(args, first + 1, args.length);
      FormattingTuple tuple = MessageFormatter.arrayFormat(message, formatArgs);
      log(level, tuple.getMessage(), tuple.getThrowable());
    }
    return null;
  }

  private static Level levelOf(String methodLevel) {
    return methodLevel.equalsIgnoreCase("trace")
        ? Level.DEBUG
        : Level.valueOf(methodLevel.toUpperCase(Locale.ROOT));
  }

  private void log(Level level, String message, Throwable failure) {
    if (failure != null && (level == Level.ERROR || level == Level.WARN)) {
      PolarisRefusal.notice(failure);
    }
    SdkLogFile.write(level, name, message, failure);
  }
}
