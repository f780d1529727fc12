package org.polarisagent.boot.provider;

import net.devh.boot.grpc.server.event.GrpcServerShutdownEvent;
import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import net.devh.boot.grpc.server.event.GrpcServerTerminatedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Prints the gRPC server's life on stdout, one line per event: {@code READY port=<port>} once it
 * listens, {@code STOPPING served=<calls>} when Spring starts to shut it down, {@code STOPPED
 * served=<calls>} once it has terminated, with the calls answered so far.
 */
@Component
public class ServerEvents {

  private final EchoGrpcService echo;

  public ServerEvents(EchoGrpcService echo) {
    this.echo = echo;
  }

  @EventListener
  public void started(GrpcServerStartedEvent event) {
    System.out.println("READY port=" + event.getServer().getPort());
  }

  @EventListener
  public void stopping(GrpcServerShutdownEvent event) {
    System.out.println("STOPPING served=" + echo.served());
  }

  @EventListener
  public void stopped(GrpcServerTerminatedEvent event) {
    System.out.println("STOPPED served=" + echo.served());
  }
}
