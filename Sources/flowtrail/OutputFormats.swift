import ArgumentParser

/// The output formats of each command, as enums: `-o/--output` everywhere, and `--help` lists
/// the choices.

/// `flowtrail query -o`: hubble observe's formats (compact, dict, table, json and jsonpb, one
/// GetFlowsResponse object a line; jsonl is the same), flowtrail's JSON array and CSV.
enum QueryOutput: String, ExpressibleByArgument, CaseIterable {
    case compact, dict, table, json, jsonpb, jsonl
    case jsonArray = "json-array"
    case csv
}

/// `flowtrail export -o` (also `--format`, its first spelling).
enum ExportOutput: String, ExpressibleByArgument, CaseIterable {
    case jsonl, ndjson, csv
}

/// `flowtrail stats -o` (also `--json`).
enum StatsOutput: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `flowtrail report default-deny -o`.
enum DefaultDenyOutput: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, yaml
}

/// `flowtrail report summary -o`.
enum SummaryOutput: String, ExpressibleByArgument, CaseIterable {
    case json, table
}

/// `flowtrail report summary --bucket`.
enum SummaryBucket: String, ExpressibleByArgument, CaseIterable {
    case oneMinute = "1m", fiveMinutes = "5m", oneHour = "1h"
}
