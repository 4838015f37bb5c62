#pragma once
// Typed reads from a yaml-cpp tree that record every problem as a ConfigError with file, line,
// column and key path, then carry on, so one run reports all the errors in a file.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/ConfigLoader.hpp"

namespace pharos::conf {

class YamlReader {
  public:
    YamlReader(std::string file, std::vector<ConfigError>& errors)
        : file_(std::move(file)), errors_(errors) {}

    const std::string& file() const { return file_; }

    // While alive, marks count from `line` (0-based): for a node parsed from part of a file.
    class LineOffset {
      public:
        LineOffset(YamlReader& in, int line) : in_(in), saved_(in.line_offset_) {
            in.line_offset_ = line;
        }
        ~LineOffset() { in_.line_offset_ = saved_; }
        LineOffset(const LineOffset&) = delete;
        LineOffset& operator=(const LineOffset&) = delete;

      private:
        YamlReader& in_;
        int saved_;
    };

    void error(const YAML::Node& at, const std::string& key, std::string message);
    void error(const YAML::Mark& at, const std::string& key, std::string message);
    int lineOf(const YAML::Node& node) const;  // 1-based, in the file; 0 when unknown

    // Reports keys of `map` outside `allowed` (with a "did you mean" hint) and duplicate keys.
    void checkKeys(const YAML::Node& map, const std::string& path,
                   std::initializer_list<std::string_view> allowed);
    bool isMap(const YAML::Node& node, const std::string& path);
    bool isList(const YAML::Node& node, const std::string& path);

    // Each returns nullopt after recording an error; a missing key is an error only for
    // required reads. The *Or forms return the default when the key is absent.
    std::optional<std::string> string(const YAML::Node& map, std::string_view key,
                                      const std::string& path, size_t max_len = 4096);
    std::optional<long long> integer(const YAML::Node& map, std::string_view key,
                                     const std::string& path, long long min, long long max);
    std::optional<double> number(const YAML::Node& map, std::string_view key,
                                 const std::string& path, double min, double max);
    std::optional<bool> boolean(const YAML::Node& map, std::string_view key,
                                const std::string& path);
    // Durations: a number of seconds or a string with a unit (500ms, 10s, 2m, 1h).
    std::optional<double> duration(const YAML::Node& map, std::string_view key,
                                   const std::string& path, double min, double max);
    // One of `choices`; returns the index.
    std::optional<int> choice(const YAML::Node& map, std::string_view key, const std::string& path,
                              std::initializer_list<std::string_view> choices);

    bool required(const YAML::Node& map, std::string_view key, const std::string& path);

  private:
    std::string file_;
    std::vector<ConfigError>& errors_;
    int line_offset_ = 0;
};

// Parses YAML (or JSON) text; a syntax error is recorded with its position.
std::optional<YAML::Node> parseYaml(YamlReader& in, const std::string& text);
// Configuration files past this size are refused: 100k pools fit in a tenth of it.
constexpr size_t kMaxConfigBytes = 64u << 20;

// The whole file, or nullopt after recording why it could not be read (`why` names it).
std::optional<std::string> readFile(const std::string& path, std::vector<ConfigError>& errors,
                                    const std::string& why);

std::string joinPath(const std::string& path, std::string_view key);
std::string didYouMean(std::string_view key, std::initializer_list<std::string_view> allowed);
std::string didYouMean(std::string_view key, const std::vector<std::string>& allowed);
std::optional<double> parseDuration(std::string_view text);

}  // namespace pharos::conf
