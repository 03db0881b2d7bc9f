package dev.herald.gateway.fanout;

/** Bounds of one stream's queue, counting bytes Netty still holds for its socket. */
public record QueueLimits(int maxFrames, long maxBytes) {
}
