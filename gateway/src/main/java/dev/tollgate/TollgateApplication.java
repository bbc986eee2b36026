package dev.tollgate;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Tollgate: one OpenAI-compatible base URL in front of every LLM provider a team uses. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TollgateApplication {

    public static void main(String[] args) {
        SpringApplication.run(TollgateApplication.class, args);
    }
}
