package dev.herald.gateway.stream;

import dev.herald.gateway.GatewayProperties;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
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

    /**
     * Every connection's write buffer water marks: a stream hands its socket frames while Netty holds less
     * than {@code herald.gateway.flow.pending-bytes} for it, and waits (writability) until it is back under half.
     * Set once for the server, so no connection carries its own copy.
     */
    @Bean
    NettyServerCustomizer flowBudget(GatewayProperties properties) {
        int budget = (int) Math.min(
                Integer.MAX_VALUE, Math.max(2, properties.flow().pendingBytes().toBytes()));
        WriteBufferWaterMark marks = new WriteBufferWaterMark(budget / 2, budget);
        return server -> server.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks);
    }
}
