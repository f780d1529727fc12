package javax.example;

/**
 * An application class in a namespace of the JDK's that the JDK does not have
 * (AdapterClassLoaderTest).
 */
public final class AppOnly {}
