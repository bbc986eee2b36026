package dev.tollgate.sidecar;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** The embedding sidecar: {@code java -jar tollgate-embedding-sidecar-exec.jar}, port 8091. */
@SpringBootApplication
@EnableConfigurationProperties(SidecarProperties.class)
public class SidecarApplication {

    public static void main(String[] args) {
        SpringApplication.run(SidecarApplication.class, args);
    }
}
