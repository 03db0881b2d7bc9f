package dev.herald.gateway.dashboard;

import dev.herald.gateway.GatewayProperties;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /config.json}: where the dashboard (static files of this module) finds the issuer and the API. */
@RestController
class DashboardConfigController {

    record DashboardConfig(String issuer, String clientId, String notesUrl) {
    }

    private final DashboardConfig config;

    DashboardConfigController(GatewayProperties properties) {
        GatewayProperties.Dashboard dashboard = properties.dashboard();
        this.config = new DashboardConfig(dashboard.issuer(), dashboard.clientId(), dashboard.notesUrl());
    }

    @GetMapping("/config.json")
    DashboardConfig config() {
        return config;
    }
}
