#include "health/web/PrometheusWriter.hpp"

#include <cmath>
#include <cstdio>

namespace pharos::web {
namespace {

// `escape_quote`: label values escape the double quote too, help text does not.
void appendEscaped(std::string& out, std::string_view text, bool escape_quote) {
    for (char c : text) {
        if (c == '\\' || (escape_quote && c == '"')) {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

bool endsWith(std::string_view text, std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

Labels::Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
    for (const auto& [name, value] : labels) {
        add(name, value);
    }
}

Labels& Labels::add(std::string_view name, std::string_view value) {
    if (!text_.empty()) {
        text_ += ',';
    }
    text_ += name;
    text_ += "=\"";
    appendEscaped(text_, value, true);
    text_ += '"';
    return *this;
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
    if (index_.find(name) != index_.end()) {
        return;
    }
    index_.emplace(std::string(name), families_.size());
    families_.push_back({std::string(name), std::string(type), std::string(help), {}});
}

PrometheusWriter::Family& PrometheusWriter::familyOf(std::string_view sample_name) {
    if (auto it = index_.find(sample_name); it != index_.end()) {
        return families_[it->second];
    }
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (!endsWith(sample_name, suffix)) {
            continue;
        }
        auto it = index_.find(sample_name.substr(0, sample_name.size() - suffix.size()));
        if (it != index_.end() &&
            (families_[it->second].type == "histogram" ||
             (families_[it->second].type == "summary" && suffix != "_bucket"))) {
            return families_[it->second];
        }
    }
    family(sample_name, "untyped", "");
    return families_.back();
}

void PrometheusWriter::add(std::string_view name, const Labels& labels, const std::string& value) {
    std::string& out = familyOf(name).samples;
    out += name;
    if (!labels.text().empty()) {
        out += '{';
        out += labels.text();
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
}

std::string PrometheusWriter::text() const {
    std::string out;
    for (const auto& f : families_) {
        if (!f.help.empty()) {
            out += "# HELP " + f.name + ' ';
            appendEscaped(out, f.help, false);
            out += '\n';
        }
        out += "# TYPE " + f.name + ' ' + f.type + '\n';
        out += f.samples;
    }
    return out;
}

std::string PrometheusWriter::number(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", value);
    return buf;
}

}  // namespace pharos::web
