package dev.herald.gateway.dashboard;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the dashboard moves its stream between gateway instances ({@code herald.gateway.dashboard.*}; the issuer and
 * notes-service URLs of the same prefix are in {@code GatewayProperties.Dashboard}).
 *
 * @param gateways       base URLs of every gateway instance a page may stream from (its own origin first); empty:
 *                       only the instance that served the page
 * @param allowedOrigins origins of pages allowed to open sessions and streams on this instance from another origin
 *                       (CORS with credentials); empty: same origin only
 */
@ConfigurationProperties("herald.gateway.dashboard")
record DashboardProperties(
        @DefaultValue List<String> gateways, @DefaultValue List<String> allowedOrigins) {}
