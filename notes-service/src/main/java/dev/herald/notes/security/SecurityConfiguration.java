package dev.herald.notes.security;

import dev.herald.contracts.ReadAccess;
import dev.herald.notes.note.NotesProperties;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every request needs a valid bearer token (issuer, audience and expiry are checked by Boot's JWT
 * decoder from {@code spring.security.oauth2.resourceserver.jwt.*}) except health and metrics. The
 * token's roles, read from the configured claims, become the authentication's authorities as they are.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    SecurityFilterChain api(
            HttpSecurity http, JsonMapper json, NotesProperties notes, HeraldSecurityProperties security) {
        ProblemAuthenticationEntryPoint entryPoint = new ProblemAuthenticationEntryPoint(json);
        http.csrf(csrf -> csrf.disable())
                .cors(cors -> cors.configurationSource(cors(notes)))
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .authorizeHttpRequests(requests -> requests.requestMatchers(
                                "/actuator/health", "/actuator/health/**", "/actuator/prometheus", "/error")
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .oauth2ResourceServer(
                        server -> server.jwt(jwt -> jwt.jwtAuthenticationConverter(roles(security.roleClaims())))
                                .authenticationEntryPoint(entryPoint)
                                .accessDeniedHandler(entryPoint))
                .exceptionHandling(exceptions ->
                        exceptions.authenticationEntryPoint(entryPoint).accessDeniedHandler(entryPoint));
        return http.build();
    }

    /**
     * Boot's issuer settings ({@code spring.security.oauth2.resourceserver.jwt.issuer-uri}, {@code audiences}),
     * discovered lazily at the first token (the service starts while the issuer is down), with a rate-limited
     * key set and a cache of verified tokens.
     */
    @Bean
    JwtDecoder jwtDecoder(
            OAuth2ResourceServerProperties resourceServer, HeraldSecurityProperties security, JsonMapper json) {
        String issuer = resourceServer.getJwt().getIssuerUri();
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalStateException("spring.security.oauth2.resourceserver.jwt.issuer-uri must be set");
        }
        List<String> audiences = List.copyOf(resourceServer.getJwt().getAudiences());
        JwtDecoder lazy =
                new SupplierJwtDecoder(() -> IssuerJwtDecoder.create(issuer, audiences, security.jwks(), json));
        return security.tokenCacheSize() > 0
                ? new CachingJwtDecoder(lazy, security.tokenCacheSize(), Clock.systemUTC())
                : lazy;
    }

    @Bean
    FilterRegistrationBean<IssuerUnavailableFilter> issuerUnavailableFilter(JsonMapper json) {
        FilterRegistrationBean<IssuerUnavailableFilter> registration =
                new FilterRegistrationBean<>(new IssuerUnavailableFilter(json));
        registration.setOrder(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 1);
        return registration;
    }

    static JwtAuthenticationConverter roles(List<String> roleClaims) {
        JwtAuthenticationConverter converter = new JwtAuthenticationConverter();
        converter.setJwtGrantedAuthoritiesConverter(jwt -> ReadAccess.rolesFrom(jwt.getClaims(), roleClaims).stream()
                .<GrantedAuthority>map(SimpleGrantedAuthority::new)
                .toList());
        return converter;
    }

    /** The dashboards the gateways serve call this API from the browser. */
    static CorsConfigurationSource cors(NotesProperties notes) {
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowedOrigins(notes.cors().allowedOrigins());
        config.setAllowedMethods(List.of("GET", "POST", "PUT", "DELETE"));
        config.setAllowedHeaders(List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE, HttpHeaders.IF_MATCH));
        config.setExposedHeaders(List.of(HttpHeaders.ETAG, HttpHeaders.LOCATION, HttpHeaders.WWW_AUTHENTICATE));
        config.setMaxAge(3600L);
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/notes", config);
        source.registerCorsConfiguration("/notes/**", config);
        return source;
    }
}
