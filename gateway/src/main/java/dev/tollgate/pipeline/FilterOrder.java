package dev.tollgate.pipeline;

import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;

/**
 * The whole request pipeline in one place, each step relative to the one before. Spring Cloud
 * Gateway resolves the route's {@code llm:} / {@code catalog:} URI at
 * {@link RouteToRequestUrlFilter#ROUTE_TO_URL_FILTER_ORDER}; our steps run after it.
 * Later steps (rate limits, budgets, cache, classification) slot in between PARSE and CALL.
 */
public final class FilterOrder {

    private FilterOrder() {}

    public static final int AUTHENTICATE = RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 100;
    /** Wraps everything after authentication, to meter calls rejected before they reach a provider. */
    public static final int METER_REJECTIONS = AUTHENTICATE + 50;
    public static final int PARSE = AUTHENTICATE + 100;
    /** The Responses API's stored conversation joins the request before anything counts its tokens. */
    public static final int CONVERSATION = PARSE + 50;
    public static final int AUTHORIZE_MODEL = PARSE + 100;
    /**
     * A/B experiments: after the key is known to be allowed the model it asked for, before the
     * rate limits, cache and budgets, so those all see the variant's model.
     */
    public static final int EXPERIMENT = AUTHORIZE_MODEL + 50;
    public static final int RATE_LIMIT = AUTHORIZE_MODEL + 100;
    /**
     * Before the budget: a hit costs nothing, so it needs no reservation and is served even when
     * the budget is spent. After the rate limit: a hit is still a request.
     */
    public static final int CACHE = RATE_LIMIT + 50;
    /**
     * After the cache (a hit needs no route), before the budget: a routing alias is resolved to its
     * tier's model here, so the budget reserves on the prices of the model actually called.
     */
    public static final int CLASSIFY = CACHE + 25;
    public static final int BUDGET = RATE_LIMIT + 100;
    /** Terminal filters: they write the response and end the chain. */
    public static final int TERMINAL = Integer.MAX_VALUE - 1000;
}
