package dev.tollgate.edge;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First in every client connection's pipeline: counts open connections and refuses the ones
 * above {@code max-connections} with a 503 before they can hold a file descriptor for long.
 */
@ChannelHandler.Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    static final String NAME = "tollgate.connectionLimit";

    private final int max;
    private final EdgeStats stats;

    ConnectionLimit(int max, EdgeStats stats) {
        this.max = max;
        this.stats = stats;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        int now = stats.open().incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> stats.open().decrementAndGet());
        if (now > max) {
            stats.dropped("over_limit", ctx.channel().remoteAddress());
            ConnectionGuard.refuse(ctx.channel());
            return;
        }
        super.channelActive(ctx);
    }
}
