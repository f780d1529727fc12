package com.example.held;

/** A class both the test agent jar and the test class path hold (AdapterClassLoaderTest). */
public final class AgentHeld {}
