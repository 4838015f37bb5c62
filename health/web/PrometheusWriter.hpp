#pragma once
// The Prometheus text exposition format (version 0.0.4), and nothing about pharos: metric
// families, each with its HELP and TYPE written once and its samples together, whatever order
// they were added in; label values and help text escaped as the format wants.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace pharos::web {

// The labels of one sample, in the order given: name="value",... with each value escaped
// (backslash, double quote, newline).
class Labels {
  public:
    Labels() = default;
    Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> labels);
    Labels& add(std::string_view name, std::string_view value);
    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

class PrometheusWriter {
  public:
    // Declares a family: `type` is counter, gauge, histogram, summary or untyped. Declaring it
    // again changes nothing.
    void family(std::string_view name, std::string_view type, std::string_view help);
    // One sample of the family `name` names; a histogram's or a summary's also by its _bucket,
    // _sum and _count names. A sample of a family never declared makes it an untyped one.
    template <typename V>
    requires std::is_arithmetic_v<V>
    void sample(std::string_view name, const Labels& labels, V value) {
        if constexpr (std::is_integral_v<V>) {
            add(name, labels, std::to_string(value));
        } else {
            add(name, labels, number(double(value)));
        }
    }
    // Every family in the order it was declared.
    std::string text() const;

    // A floating-point value as the format writes it: 15 significant digits (a Unix time in
    // seconds keeps its milliseconds), NaN, +Inf, -Inf.
    static std::string number(double value);

  private:
    struct Family {
        std::string name;
        std::string type;
        std::string help;
        std::string samples;
    };
    void add(std::string_view name, const Labels& labels, const std::string& value);
    Family& familyOf(std::string_view sample_name);

    std::vector<Family> families_;
    std::map<std::string, size_t, std::less<>> index_;  // family name -> families_[i]
};

}  // namespace pharos::web
