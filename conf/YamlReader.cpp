#include "conf/YamlReader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

namespace pharos::conf {

std::string ConfigError::str() const {
    std::ostringstream os;
    os << file;
    if (line > 0) {
        os << ':' << line << ':' << column;
    }
    os << ": ";
    if (!key.empty()) {
        os << key << ": ";
    }
    os << message;
    return os.str();
}

std::optional<YAML::Node> parseYaml(YamlReader& in, const std::string& text) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        in.error(e.mark, "", "YAML syntax error: " + e.msg);
        return std::nullopt;
    }
}

std::optional<std::string> readFile(const std::string& path, std::vector<ConfigError>& errors,
                                    const std::string& why) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        errors.push_back({path, 0, 0, "", "cannot open " + why + ": " + std::strerror(errno)});
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() <= kMaxConfigBytes) {
        text.append(buf, n);
    }
    std::fclose(f);
    if (text.size() > kMaxConfigBytes) {
        errors.push_back({path, 0, 0, "",
                          why + " is larger than " + std::to_string(kMaxConfigBytes >> 20) +
                              " MiB, the most pharos reads"});
        return std::nullopt;
    }
    return text;
}

std::string joinPath(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

namespace {

// Optimal string alignment distance: typos are mostly one slip or two swapped letters.
size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] != b[j - 1];
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::string scalarText(const YAML::Node& node) {
    return node.IsScalar() ? node.Scalar() : std::string("(not a scalar)");
}

std::string describe(const YAML::Node& node) {
    if (node.IsMap()) {
        return "a map";
    }
    if (node.IsSequence()) {
        return "a list";
    }
    if (node.IsNull()) {
        return "nothing";
    }
    return "\"" + node.Scalar() + "\"";
}

}  // namespace

std::string didYouMean(std::string_view key, std::initializer_list<std::string_view> allowed) {
    return didYouMean(key, std::vector<std::string>(allowed.begin(), allowed.end()));
}

std::string didYouMean(std::string_view key, const std::vector<std::string>& allowed) {
    std::string_view best;
    size_t best_distance = 3;
    for (const auto& candidate : allowed) {
        size_t d = editDistance(key, candidate);
        if (d < best_distance && d < std::max<size_t>(candidate.size() / 2, 1) + 1) {
            best = candidate;
            best_distance = d;
        }
    }
    return best.empty() ? std::string() : " (did you mean \"" + std::string(best) + "\"?)";
}

std::optional<double> parseDuration(std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data() || !std::isfinite(value)) {
        return std::nullopt;
    }
    std::string_view unit(end, size_t(text.data() + text.size() - end));
    if (unit.empty() || unit == "s") {
        return value;
    }
    if (unit == "ms") {
        return value / 1000.0;
    }
    if (unit == "m") {
        return value * 60.0;
    }
    if (unit == "h") {
        return value * 3600.0;
    }
    return std::nullopt;
}

void YamlReader::error(const YAML::Mark& at, const std::string& key, std::string message) {
    ConfigError e;
    e.file = file_;
    if (!at.is_null()) {
        e.line = line_offset_ + at.line + 1;
        e.column = at.column + 1;
    }
    e.key = key;
    e.message = std::move(message);
    errors_.push_back(std::move(e));
}

int YamlReader::lineOf(const YAML::Node& node) const {
    return node.IsDefined() && !node.Mark().is_null() ? line_offset_ + node.Mark().line + 1 : 0;
}

void YamlReader::error(const YAML::Node& at, const std::string& key, std::string message) {
    error(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), key, std::move(message));
}

void YamlReader::checkKeys(const YAML::Node& map, const std::string& path,
                           std::initializer_list<std::string_view> allowed) {
    std::set<std::string> seen;
    for (const auto& kv : map) {
        std::string key = scalarText(kv.first);
        if (!seen.insert(key).second) {
            error(kv.first, joinPath(path, key), "duplicate key");
            continue;
        }
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            error(kv.first, joinPath(path, key), "unknown key" + didYouMean(key, allowed));
        }
    }
}

bool YamlReader::isMap(const YAML::Node& node, const std::string& path) {
    if (node.IsMap()) {
        return true;
    }
    error(node, path, "expected a map, found " + describe(node));
    return false;
}

bool YamlReader::isList(const YAML::Node& node, const std::string& path) {
    if (node.IsSequence()) {
        return true;
    }
    error(node, path, "expected a list, found " + describe(node));
    return false;
}

bool YamlReader::required(const YAML::Node& map, std::string_view key, const std::string& path) {
    if (map[std::string(key)]) {
        return true;
    }
    error(map, joinPath(path, key), "required key is missing");
    return false;
}

std::optional<std::string> YamlReader::string(const YAML::Node& map, std::string_view key,
                                              const std::string& path, size_t max_len) {
    YAML::Node node = map[std::string(key)];
    if (!node) {  // every typed read reports a missing key rather than throw
        error(map, joinPath(path, key), "required key is missing");
        return std::nullopt;
    }
    std::string where = joinPath(path, key);
    if (!node.IsScalar()) {
        error(node, where, "expected a string, found " + describe(node));
        return std::nullopt;
    }
    if (node.Scalar().empty() || node.Scalar().size() > max_len) {
        error(node, where,
              "expected a non-empty string of at most " + std::to_string(max_len) + " characters");
        return std::nullopt;
    }
    return node.Scalar();
}

std::optional<long long> YamlReader::integer(const YAML::Node& map, std::string_view key,
                                             const std::string& path, long long min,
                                             long long max) {
    YAML::Node node = map[std::string(key)];
    if (!node) {  // every typed read reports a missing key rather than throw
        error(map, joinPath(path, key), "required key is missing");
        return std::nullopt;
    }
    std::string where = joinPath(path, key);
    long long value = 0;
    const std::string& text = node.IsScalar() ? node.Scalar() : std::string();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!node.IsScalar() || ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        error(node, where, "expected an integer, found " + describe(node));
        return std::nullopt;
    }
    if (value < min || value > max) {
        error(node, where,
              "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", found " + text);
        return std::nullopt;
    }
    return value;
}

std::optional<double> YamlReader::number(const YAML::Node& map, std::string_view key,
                                         const std::string& path, double min, double max) {
    YAML::Node node = map[std::string(key)];
    if (!node) {  // every typed read reports a missing key rather than throw
        error(map, joinPath(path, key), "required key is missing");
        return std::nullopt;
    }
    std::string where = joinPath(path, key);
    double value = 0;
    const std::string& text = node.IsScalar() ? node.Scalar() : std::string();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!node.IsScalar() || ec != std::errc() || end != text.data() + text.size() || text.empty() ||
        !std::isfinite(value)) {
        error(node, where, "expected a number, found " + describe(node));
        return std::nullopt;
    }
    if (value < min || value > max) {
        std::ostringstream os;
        os << "must be between " << min << " and " << max << ", found " << text;
        error(node, where, os.str());
        return std::nullopt;
    }
    return value;
}

std::optional<double> YamlReader::duration(const YAML::Node& map, std::string_view key,
                                           const std::string& path, double min, double max) {
    YAML::Node node = map[std::string(key)];
    if (!node) {  // every typed read reports a missing key rather than throw
        error(map, joinPath(path, key), "required key is missing");
        return std::nullopt;
    }
    std::string where = joinPath(path, key);
    auto value = node.IsScalar() ? parseDuration(node.Scalar()) : std::nullopt;
    if (!value) {
        error(node, where,
              "expected a duration (seconds, or a number with ms, s, m or h), found " +
                  describe(node));
        return std::nullopt;
    }
    if (*value < min || *value > max) {
        std::ostringstream os;
        os << "must be between " << min << "s and " << max << "s, found " << node.Scalar();
        error(node, where, os.str());
        return std::nullopt;
    }
    return value;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, std::string_view key,
                                        const std::string& path) {
    YAML::Node node = map[std::string(key)];
    if (!node) {  // every typed read reports a missing key rather than throw
        error(map, joinPath(path, key), "required key is missing");
        return std::nullopt;
    }
    if (node.IsScalar()) {
        const std::string& s = node.Scalar();
        if (s == "true" || s == "True" || s == "TRUE" || s == "yes") {
            return true;
        }
        if (s == "false" || s == "False" || s == "FALSE" || s == "no") {
            return false;
        }
    }
    error(node, joinPath(path, key), "expected true or false, found " + describe(node));
    return std::nullopt;
}

std::optional<int> YamlReader::choice(const YAML::Node& map, std::string_view key,
                                      const std::string& path,
                                      std::initializer_list<std::string_view> choices) {
    YAML::Node node = map[std::string(key)];
    if (!node) {  // every typed read reports a missing key rather than throw
        error(map, joinPath(path, key), "required key is missing");
        return std::nullopt;
    }
    if (node.IsScalar()) {
        int index = 0;
        for (auto c : choices) {
            if (node.Scalar() == c) {
                return index;
            }
            ++index;
        }
    }
    std::string list;
    for (auto c : choices) {
        list += (list.empty() ? "" : ", ") + std::string(c);
    }
    std::string hint = node.IsScalar() ? didYouMean(node.Scalar(), choices) : std::string();
    error(node, joinPath(path, key),
          "expected one of " + list + ", found " + describe(node) + hint);
    return std::nullopt;
}

}  // namespace pharos::conf
