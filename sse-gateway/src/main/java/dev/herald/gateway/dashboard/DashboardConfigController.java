package dev.herald.gateway.dashboard;

import dev.herald.gateway.GatewayProperties;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /config.json}: where the dashboard (static files of this module) finds the issuer, the API and the gateways. */
@RestController
class DashboardConfigController {

    record DashboardConfig(String issuer, String clientId, String notesUrl, List<String> gateways) {}

    private final DashboardConfig config;

    DashboardConfigController(GatewayProperties properties, DashboardProperties dashboardProperties) {
        GatewayProperties.Dashboard dashboard = properties.dashboard();
        this.config = new DashboardConfig(
                dashboard.issuer(),
                dashboard.clientId(),
                dashboard.notesUrl(),
                List.copyOf(dashboardProperties.gateways()));
    }

    @GetMapping("/config.json")
    DashboardConfig config() {
        return config;
    }
}
