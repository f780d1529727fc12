package com.example.adapter;

/** An adapter class of the test agent jar (AdapterClassLoaderTest). */
public final class Adapter {}
