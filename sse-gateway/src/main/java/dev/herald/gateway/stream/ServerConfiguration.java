package dev.herald.gateway.stream;

import dev.herald.gateway.GatewayProperties;
import io.netty.channel.ChannelOption;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ServerConfiguration {

    /**
     * The listen queue: when an instance dies its clients arrive at the others by the thousand within a
     * second or two, and a full queue drops their SYNs, which clients then retry after 1, 3, 7 s. The kernel
     * caps it at {@code net.core.somaxconn}.
     */
    @Bean
    NettyServerCustomizer acceptBacklog(GatewayProperties properties) {
        return server -> server.option(ChannelOption.SO_BACKLOG, properties.acceptBacklog());
    }
}
