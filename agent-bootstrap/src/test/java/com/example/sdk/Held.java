package com.example.sdk;

/** A class that the test agent jar's SDK archive holds (AgentClassLoaderTest). */
public final class Held {}
