package org.polarisagent.boot.consumer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An ordinary Spring Boot gRPC client app: the net.devh grpc-client starter builds the channel
 * {@code echo} from {@code grpc.client.echo.*}, and {@link EchoCalls} calls {@code echo.Echo/Echo}
 * through it for {@code echo.duration}, then the app exits. It knows nothing of Polaris.
 */
@SpringBootApplication
public class EchoConsumerApplication {

  public static void main(String[] args) throws InterruptedException {
    ConfigurableApplicationContext context =
        SpringApplication.run(EchoConsumerApplication.class, args);
    context.getBean(EchoCalls.class).awaitEnd();
    System.exit(SpringApplication.exit(context));
  }
}
