/**
 * The agent's code that uses the application's gRPC: what the client side, the server side, rate
 * limiting and header pass-through add to one application's gRPC.
 *
 * <p>Class-loading rule: every class in this package and below ({@code
 * org.polarisagent.plugin.grpc.adapter.}) is defined anew for each application class loader that
 * holds gRPC, by an {@code AdapterClassLoader} that takes every other class from the agent if the
 * agent has it, else ({@code io.grpc}) from that application loader. So these classes may reference
 * gRPC types, and each application's copy sees that application's gRPC. Classes outside this
 * package must not reference gRPC types, and reach these classes only by name ({@code
 * AdaptersByLoader}) and through interfaces defined outside it ({@code LoaderAdapters}). The prefix
 * is {@code AdaptersByLoader.ADAPTER_PACKAGE}; on a plain class path (unit tests) the classes load
 * normally.
 */
package org.polarisagent.plugin.grpc.adapter;
