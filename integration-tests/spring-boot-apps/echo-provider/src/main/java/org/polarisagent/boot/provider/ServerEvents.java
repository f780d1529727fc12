package org.polarisagent.boot.provider;

import net.devh.boot.grpc.server.event.GrpcServerShutdownEvent;
import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import net.devh.boot.grpc.server.event.GrpcServerTerminatedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Prints the gRPC server's life on stdout, one line per event: {@code READY port=<port>} once it
 * listens, {@code STOPPING} when Spring starts to shut it down, {@code STOPPED} once it has
 * terminated.
 */
@Component
public class ServerEvents {

  @EventListener
  public void started(GrpcServerStartedEvent event) {
    System.out.println("READY port=" + event.getServer().getPort());
  }

  @EventListener
  public void stopping(GrpcServerShutdownEvent event) {
    System.out.println("STOPPING");
  }

  @EventListener
  public void stopped(GrpcServerTerminatedEvent event) {
    System.out.println("STOPPED");
  }
}
