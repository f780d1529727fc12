package org.polarisagent.boot.provider;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * An ordinary Spring Boot gRPC server app: the net.devh grpc-server starter builds and starts its
 * server and serves {@link EchoGrpcService}. It knows nothing of Polaris.
 */
@SpringBootApplication
public class EchoProviderApplication {

  public static void main(String[] args) {
    SpringApplication.run(EchoProviderApplication.class, args);
  }
}
