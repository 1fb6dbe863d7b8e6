package io.watchcache.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The measured figures of one harness run, with peers, goals, and the table and JSON they print as. */
final class Figures {

    /** One figure: the median of the runs with their min and max, and the peer's median if there is one. */
    record Figure(String name, String unit, double ours, double min, double max, Double peer, Double ratio,
                  String goal, Boolean met, String note) {
    }

    private final Map<String, Figure> figures = new LinkedHashMap<>();

    void add(Figure figure) {
        figures.put(figure.name(), figure);
    }

    /** A figure from runs: median, min and max. */
    void add(String name, String unit, double[] runs, Double peer, Double ratio, String goal, Boolean met,
             String note) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (double run : runs) {
            min = Math.min(min, run);
            max = Math.max(max, run);
        }
        add(new Figure(name, unit, LongSamples.median(runs), min, max, peer, ratio, goal, met, note));
    }

    Map<String, Figure> all() {
        return figures;
    }

    void putAll(Figures other) {
        figures.putAll(other.figures);
    }

    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-42s %18s %12s %10s  %-16s %s%n", "figure", "ours (min-max)", "peer",
                "ratio", "goal", "met"));
        for (Figure f : figures.values()) {
            String ours = fmt(f.ours()) + (f.min() != f.max() ? " (" + fmt(f.min()) + "-" + fmt(f.max()) + ")" : "");
            out.append(String.format(Locale.ROOT, "%-42s %18s %12s %10s  %-16s %s%n", f.name(), ours,
                    f.peer() == null ? "-" : fmt(f.peer()), f.ratio() == null ? "-" : fmt(f.ratio()),
                    f.goal() == null ? "-" : f.goal(), f.met() == null ? "-" : (f.met() ? "yes" : "NO")));
        }
        return out.toString();
    }

    /** The flat results: one number per figure name. */
    String json() {
        StringBuilder out = new StringBuilder("{\n");
        int i = 0;
        for (Figure f : figures.values()) {
            out.append("  \"").append(f.name()).append("\": ").append(jsonNumber(f.ours()));
            out.append(++i < figures.size() ? ",\n" : "\n");
        }
        return out.append("}\n").toString();
    }

    /** Everything: min, max, peer, ratio, goal, note. */
    String detailsJson(Map<String, String> machine) {
        StringBuilder out = new StringBuilder("{\n  \"machine\": {");
        int m = 0;
        for (Map.Entry<String, String> e : machine.entrySet()) {
            out.append(m++ > 0 ? ", " : "").append('"').append(e.getKey()).append("\": \"")
                    .append(e.getValue().replace("\"", "'")).append('"');
        }
        out.append("},\n  \"figures\": {\n");
        int i = 0;
        for (Figure f : figures.values()) {
            out.append("    \"").append(f.name()).append("\": {\"unit\": \"").append(f.unit())
                    .append("\", \"median\": ").append(jsonNumber(f.ours()))
                    .append(", \"min\": ").append(jsonNumber(f.min()))
                    .append(", \"max\": ").append(jsonNumber(f.max()))
                    .append(", \"peer\": ").append(f.peer() == null ? "null" : jsonNumber(f.peer()))
                    .append(", \"ratio\": ").append(f.ratio() == null ? "null" : jsonNumber(f.ratio()))
                    .append(", \"goal\": ").append(f.goal() == null ? "null" : "\"" + f.goal() + "\"")
                    .append(", \"met\": ").append(f.met() == null ? "null" : f.met().toString())
                    .append(", \"note\": ").append(f.note() == null ? "null" : "\"" + f.note().replace("\"", "'")
                            + "\"")
                    .append('}').append(++i < figures.size() ? ",\n" : "\n");
        }
        return out.append("  }\n}\n").toString();
    }

    /** Reads a flat results object written by {@link #json()} (for the Java 25 subprocess). */
    static Map<String, Double> parseFlat(String json) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String line : json.split("\n")) {
            line = line.trim();
            if (!line.startsWith("\"")) {
                continue;
            }
            int colon = line.indexOf("\":");
            String name = line.substring(1, colon);
            String number = line.substring(colon + 2).replace(",", "").trim();
            values.put(name, number.equals("null") ? Double.NaN : Double.parseDouble(number));
        }
        return values;
    }

    private static String jsonNumber(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(Locale.ROOT, "%.4f", value);
    }

    static String fmt(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        double abs = Math.abs(value);
        if (abs >= 1_000_000) {
            return String.format(Locale.ROOT, "%.3gM", value / 1_000_000);
        }
        if (abs >= 1000) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }
}
