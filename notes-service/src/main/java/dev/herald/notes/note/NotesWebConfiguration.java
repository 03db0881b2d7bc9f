package dev.herald.notes.note;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Meters each user's writes to {@code /notes} when {@code herald.notes.write-rate.enabled}. */
@Configuration(proxyBeanMethods = false)
class NotesWebConfiguration implements WebMvcConfigurer {

    private final NotesProperties properties;

    NotesWebConfiguration(NotesProperties properties) {
        this.properties = properties;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        if (properties.writeRate().enabled()) {
            registry.addInterceptor(new WriteRateLimit(properties.writeRate())).addPathPatterns("/notes", "/notes/**");
        }
    }
}
