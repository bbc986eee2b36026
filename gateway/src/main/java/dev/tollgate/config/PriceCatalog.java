package dev.tollgate.config;

import dev.tollgate.config.TollgateConfig.Price;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * List prices of provider models, shipped in the jar ({@code prices/catalog.yaml}), used for a
 * deployment whose model has no {@code price:} in the config. List prices change: the catalog is
 * a dated snapshot and the config's {@code price:} always wins.
 *
 * <p>Lookup by provider type and upstream model id, in this order:
 * <ol>
 *   <li>the id exactly (case-insensitive), or one of an entry's {@code aliases};
 *   <li>Bedrock only: the id without a cross-region inference profile's geography prefix
 *       ({@code us.}, {@code eu.}, {@code apac.}, {@code global.}, ...), then again exactly;
 *   <li>the id without a dated snapshot suffix: {@code -YYYY-MM-DD} (OpenAI's
 *       {@code gpt-4o-2024-08-06} → {@code gpt-4o}) or {@code -YYYYMMDD} (Anthropic's
 *       {@code claude-sonnet-4-20250514} → {@code claude-sonnet-4}). A snapshot priced differently
 *       from its family has an entry of its own, which step 1 finds first.
 * </ol>
 * A provider may be declared {@code same-as} another (Azure OpenAI lists OpenAI's prices). Among
 * several prices of one model, the latest whose {@code effective} date has come applies.
 */
public final class PriceCatalog {

    /** One dated list price of a model. */
    public record Entry(String provider, String model, Price price, LocalDate effective) {}

    public static final String RESOURCE = "prices/catalog.yaml";
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final Pattern SNAPSHOT = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8})$");
    private static final Pattern BEDROCK_GEOGRAPHY = Pattern.compile("^(us|eu|apac|jp|au|ca|us-gov|global)\\.");

    private final String version;
    /** provider type id → lower-case model id or alias → entries, latest effective first. */
    private final Map<String, Map<String, List<Entry>>> models;
    private final Map<String, String> sameAs;

    private PriceCatalog(String version, Map<String, Map<String, List<Entry>>> models, Map<String, String> sameAs) {
        this.version = version;
        this.models = models;
        this.sameAs = sameAs;
    }

    /** The catalog shipped in the jar, read once. */
    public static PriceCatalog defaults() {
        return Shipped.CATALOG;
    }

    /** A catalog that knows no price (every model without a config price has an unknown cost). */
    public static PriceCatalog empty() {
        return new PriceCatalog("catalog-empty", Map.of(), Map.of());
    }

    private static final class Shipped {
        static final PriceCatalog CATALOG = load();

        private static PriceCatalog load() {
            try (InputStream in = PriceCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the price catalog " + RESOURCE + " is missing from the jar");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public String version() {
        return version;
    }

    /** Every entry, for listing and tests. */
    public List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        models.values().forEach(byModel -> byModel.forEach((id, entries) -> entries.stream()
                .filter(e -> e.model().equalsIgnoreCase(id)).forEach(all::add)));
        return all;
    }

    /** The list price in effect today, if the catalog knows the model. */
    public Optional<Price> lookup(ProviderType type, String upstreamModel) {
        return lookup(type, upstreamModel, LocalDate.now(java.time.ZoneOffset.UTC));
    }

    public Optional<Price> lookup(ProviderType type, String upstreamModel, LocalDate today) {
        if (type == null || upstreamModel == null || upstreamModel.isBlank()) {
            return Optional.empty();
        }
        String provider = sameAs.getOrDefault(type.id(), type.id());
        Map<String, List<Entry>> byModel = models.get(provider);
        if (byModel == null) {
            return Optional.empty();
        }
        String id = upstreamModel.trim().toLowerCase(Locale.ROOT);
        List<String> candidates = new ArrayList<>(4);
        candidates.add(id);
        if (type == ProviderType.BEDROCK) {
            String regionless = BEDROCK_GEOGRAPHY.matcher(id).replaceFirst("");
            if (!regionless.equals(id)) {
                candidates.add(regionless);
            }
        }
        for (String c : List.copyOf(candidates)) {
            String family = SNAPSHOT.matcher(c).replaceFirst("");
            if (!family.equals(c)) {
                candidates.add(family);
            }
        }
        for (String c : candidates) {
            List<Entry> entries = byModel.get(c);
            if (entries != null) {
                for (Entry e : entries) {
                    if (!e.effective().isAfter(today)) {
                        return Optional.of(e.price());
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Reads a catalog; a mistake throws with the path of the value, like the config file does.
     *
     * <pre>
     * version: catalog-2026-11
     * providers:
     *   openai:
     *     gpt-4o: { input: 2.50, cached-input: 1.25, output: 10.00, effective: 2024-10-01 }
     *   azure:
     *     same-as: openai
     * </pre>
     * A model's value may also be a list of such prices with different effective dates.
     */
    public static PriceCatalog parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new ConfigException(source, List.of("(root): expected { version, providers }"));
        }
        String version = root.path("version").asString("");
        if (version.isBlank()) {
            problems.add("version: required, e.g. catalog-2026-11");
        }
        Map<String, Map<String, List<Entry>>> models = new HashMap<>();
        Map<String, String> sameAs = new HashMap<>();
        JsonNode providers = root.path("providers");
        if (!providers.isObject()) {
            problems.add("providers: expected a mapping of provider type to models");
        } else {
            for (Map.Entry<String, JsonNode> p : providers.properties()) {
                String path = "providers." + p.getKey();
                if (ProviderType.fromId(p.getKey()).isEmpty()) {
                    problems.add(path + ": unknown provider type, expected one of " + ProviderType.allIds());
                    continue;
                }
                JsonNode node = p.getValue();
                if (!node.isObject()) {
                    problems.add(path + ": expected a mapping of model id to price");
                    continue;
                }
                if (node.has("same-as")) {
                    String target = node.path("same-as").asString("");
                    if (node.size() != 1 || ProviderType.fromId(target).isEmpty()) {
                        problems.add(path + ".same-as: expected only a known provider type");
                    } else {
                        sameAs.put(p.getKey(), target);
                    }
                    continue;
                }
                Map<String, List<Entry>> byModel = new HashMap<>();
                for (Map.Entry<String, JsonNode> m : node.properties()) {
                    String mpath = path + "." + m.getKey();
                    List<JsonNode> prices = new ArrayList<>();
                    if (m.getValue().isArray()) {
                        m.getValue().forEach(prices::add);
                    } else {
                        prices.add(m.getValue());
                    }
                    for (int i = 0; i < prices.size(); i++) {
                        String at = m.getValue().isArray() ? mpath + "[" + i + "]" : mpath;
                        Entry e = entry(p.getKey(), m.getKey(), prices.get(i), at, version, problems);
                        if (e == null) {
                            continue;
                        }
                        add(byModel, m.getKey(), e, at, problems);
                        for (JsonNode alias : prices.get(i).path("aliases")) {
                            add(byModel, alias.asString(), e, at + ".aliases", problems);
                        }
                    }
                }
                byModel.values().forEach(list -> list.sort(Comparator.comparing(Entry::effective).reversed()));
                models.put(p.getKey(), Map.copyOf(byModel));
            }
            for (Map.Entry<String, String> s : sameAs.entrySet()) {
                if (!models.containsKey(s.getValue())) {
                    problems.add("providers." + s.getKey() + ".same-as: '" + s.getValue() + "' has no prices of its own");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
        return new PriceCatalog(version, Map.copyOf(models), Map.copyOf(sameAs));
    }

    private static void add(Map<String, List<Entry>> byModel, String id, Entry e, String path, List<String> problems) {
        List<Entry> list = byModel.computeIfAbsent(id.toLowerCase(Locale.ROOT), k -> new ArrayList<>());
        if (list.stream().anyMatch(other -> other.effective().equals(e.effective()))) {
            problems.add(path + ": '" + id + "' already has a price effective " + e.effective());
        }
        list.add(e);
    }

    private static Entry entry(String provider, String model, JsonNode node, String path, String version, List<String> problems) {
        if (!node.isObject()) {
            problems.add(path + ": expected { input, cached-input, cache-write, output, effective }");
            return null;
        }
        for (String name : node.propertyNames()) {
            if (!Set.of("input", "cached-input", "cache-write", "output", "effective", "aliases").contains(name)) {
                problems.add(path + "." + name + ": unknown field");
            }
        }
        BigDecimal input = decimal(node, "input", path, problems, true);
        BigDecimal output = decimal(node, "output", path, problems, true);
        BigDecimal cached = decimal(node, "cached-input", path, problems, false);
        BigDecimal write = decimal(node, "cache-write", path, problems, false);
        LocalDate effective = null;
        try {
            effective = LocalDate.parse(node.path("effective").asString(""));
        } catch (DateTimeException e) {
            problems.add(path + ".effective: required, a date such as 2025-06-01");
        }
        if (input == null || output == null || effective == null) {
            return null;
        }
        // Not listed = billed as plain input (an upper bound for cache reads).
        return new Entry(provider, model, new Price(input, cached != null ? cached : input,
                write != null ? write : input, output, version), effective);
    }

    private static BigDecimal decimal(JsonNode node, String field, String path, List<String> problems, boolean required) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                problems.add(path + "." + field + ": required (USD per 1M tokens)");
            }
            return null;
        }
        try {
            BigDecimal value = new BigDecimal(n.asString().trim());
            if (value.signum() < 0) {
                problems.add(path + "." + field + ": a price cannot be negative");
                return null;
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(path + "." + field + ": expected a decimal number of USD per 1M tokens");
            return null;
        }
    }
}
