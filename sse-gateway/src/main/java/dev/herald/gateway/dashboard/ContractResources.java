package dev.herald.gateway.dashboard;

import java.util.Map;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.config.ResourceHandlerRegistry;
import org.springframework.web.reactive.config.WebFluxConfigurer;

/**
 * The machine-readable contracts under {@code /contracts/} (the AsyncAPI document of the topic, the OpenAPI
 * document of the stream, the event JSON Schema), served as what they are: YAML as {@code application/yaml},
 * so a browser shows it instead of downloading an octet stream.
 */
@Configuration(proxyBeanMethods = false)
class ContractResources implements WebFluxConfigurer {

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler("/contracts/**")
                .addResourceLocations("classpath:/static/contracts/")
                .setMediaTypes(Map.of("yaml", MediaType.parseMediaType("application/yaml")));
    }
}
