package dev.tollgate.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sits right after the HTTP codec of every client connection. Two jobs at the HTTP message level:
 *
 * <ul>
 *   <li>The header deadline: while the connection owes a request head (just opened, or every
 *       response written), the head must arrive within {@code header-timeout}; a client that
 *       trickles it byte by byte is closed. No deadline runs while a request is being served, so
 *       long streams and pipelined requests are untouched.</li>
 *   <li>Netty's own rejections (a malformed request line, a URI or headers too long) leave as
 *       400/413/414/431 with an empty body; they get the OpenAI error envelope instead.</li>
 * </ul>
 */
final class ConnectionGuard extends ChannelDuplexHandler {

    static final String NAME = "tollgate.connectionGuard";

    private final long headerTimeoutNanos;
    private final EdgeStats stats;
    private ScheduledFuture<?> deadline;
    /** Requests whose head arrived minus responses completed: a head is owed only when zero. */
    private int inFlight;

    ConnectionGuard(java.time.Duration headerTimeout, EdgeStats stats) {
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            inFlight++;
            disarm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof FullHttpResponse response && !response.content().isReadable() && isCodecRejection(response.status().code())) {
            stats.dropped("malformed_request", ctx.channel().remoteAddress());
            msg = withEnvelope(response);
        }
        if (msg instanceof LastHttpContent) {
            inFlight = Math.max(0, inFlight - 1);
            if (inFlight == 0) {
                promise = promise.unvoid();
                promise.addListener(f -> {
                    if (ctx.channel().isActive()) {
                        arm(ctx);
                    }
                });
            }
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        deadline = ctx.executor().schedule(() -> {
            if (inFlight == 0 && ctx.channel().isActive()) {
                stats.dropped("header_timeout", ctx.channel().remoteAddress());
                ctx.close();
            }
        }, headerTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** The statuses Reactor Netty answers by itself when the codec cannot read a request. */
    static boolean isCodecRejection(int status) {
        return status == 400 || status == 413 || status == 414 || status == 431;
    }

    private static FullHttpResponse withEnvelope(FullHttpResponse response) {
        int status = response.status().code();
        String message = switch (status) {
            case 414 -> "The request line (method and URL) is too long.";
            case 431 -> "The request headers are too large.";
            case 413 -> "The request is too large.";
            default -> "The request could not be read as HTTP/1.1: " + response.status().reasonPhrase() + ".";
        };
        String code = switch (status) {
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 413 -> "request_too_large";
            default -> "malformed_http_request";
        };
        byte[] body = ("{\"error\":{\"message\":\"" + message + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\""
                + code + "\"}}").getBytes(StandardCharsets.UTF_8);
        ByteBuf content = Unpooled.wrappedBuffer(body);
        FullHttpResponse replaced = response.replace(content);
        replaced.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        replaced.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        response.release();
        return replaced;
    }

    /** Closes a connection over the limit with a 503 in the envelope, before any request is read. */
    static void refuse(io.netty.channel.Channel channel) {
        byte[] body = ("{\"error\":{\"message\":\"The gateway holds its maximum number of open connections; retry shortly.\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":\"too_many_connections\"}}").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: " + body.length
                + "\r\nconnection: close\r\nretry-after: 1\r\n\r\n";
        ByteBuf out = Unpooled.buffer(head.length() + body.length);
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII)).writeBytes(body);
        // Straight to the socket: no request was read, so the HTTP codec has nothing to encode.
        channel.pipeline().firstContext().writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
    }
}
