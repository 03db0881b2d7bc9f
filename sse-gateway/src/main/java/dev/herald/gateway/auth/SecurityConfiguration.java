package dev.herald.gateway.auth;

import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;

/**
 * OAuth2 resource server: JWTs checked for issuer, audience and expiry (Boot's decoder from
 * {@code spring.security.oauth2.resourceserver.jwt.*}). Streams ({@link StreamAuthenticator}, same decoder)
 * and sessions need a token; health,
 * Prometheus, the dashboard's static files and {@code /config.json} are public. Stateless: no session,
 * no CSRF token (the only cookie is SameSite=Strict and only read by {@code GET /events}).
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
class SecurityConfiguration {

    /** Observations of the filter chain would live as long as each stream: kilobytes per idle connection. */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * A token must name its user ({@code sub}: streams and limits are per user) and its expiry ({@code exp}:
     * a stream ends then). Boot adds this to its decoder's issuer, audience and time checks; a token
     * without either is refused with 401 like any other invalid token.
     */
    @Bean
    OAuth2TokenValidator<Jwt> requiredClaimsValidator() {
        return new DelegatingOAuth2TokenValidator<>(
                new JwtClaimValidator<@Nullable Object>(
                        JwtClaimNames.SUB, sub -> sub instanceof String s && !s.isBlank()),
                new JwtClaimValidator<@Nullable Object>(JwtClaimNames.EXP, exp -> exp != null));
    }

    @Bean
    SecurityWebFilterChain securityWebFilterChain(ServerHttpSecurity http) {
        return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(cache -> cache.requestCache(NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .authorizeExchange(exchanges -> exchanges
                        .pathMatchers("/actuator/health", "/actuator/health/**", "/actuator/prometheus")
                        .permitAll()
                        .pathMatchers(HttpMethod.DELETE, "/events/session")
                        .permitAll()
                        // authenticated by the handler (StreamAuthenticator): no security context per stream
                        .pathMatchers(HttpMethod.GET, "/events")
                        .permitAll()
                        .pathMatchers("/events", "/events/**", "/actuator/**")
                        .authenticated()
                        .pathMatchers(HttpMethod.GET, "/**")
                        .permitAll()
                        .anyExchange()
                        .authenticated())
                .oauth2ResourceServer(server ->
                        server.bearerTokenConverter(new ApiTokenConverter()).jwt(Customizer.withDefaults()))
                .build();
    }
}
