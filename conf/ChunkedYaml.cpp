#include "conf/ChunkedYaml.hpp"

#include <algorithm>
#include <cctype>

namespace pharos::conf {
namespace {

constexpr const char* kEndKey = "pharos-end-of-entry";

struct Line {
    size_t begin = 0;      // offset of the line's first character
    size_t end = 0;        // offset of its '\n' (or of the text's end)
    int indent = 0;        // leading spaces
    bool content = false;  // not blank, not a comment
    char first = 0;        // first character after the indentation
};

std::vector<Line> splitLines(const std::string& text) {
    std::vector<Line> lines;
    for (size_t begin = 0; begin <= text.size();) {
        size_t end = std::min(text.find('\n', begin), text.size());
        Line l{begin, end};
        size_t first = text.find_first_not_of(' ', begin);
        if (first < end) {
            l.indent = int(first - begin);
            l.first = text[first];
            l.content = l.first != '#' && l.first != '\r';
        }
        lines.push_back(l);
        begin = end + 1;
    }
    return lines;
}

// Conservative: anything that may be an alias (`*name` where a node can start) counts.
bool mayHaveAlias(const std::string& text) {
    for (size_t i = text.find('*'); i != std::string::npos; i = text.find('*', i + 1)) {
        char before = i == 0 ? '\n' : text[i - 1];
        bool at_node = std::string_view(" \n[{,:-").find(before) != std::string_view::npos;
        if (at_node && i + 1 < text.size() && !std::isspace(uint8_t(text[i + 1]))) {
            return true;
        }
    }
    return false;
}

// Content after a `---` or `...` that follows content: a second document, which the whole
// parse ignores and the cut would not.
bool hasLaterDocument(const std::string& text, const std::vector<Line>& lines) {
    bool content = false, ended = false;
    for (const Line& l : lines) {
        std::string_view line(text.data() + l.begin, l.end - l.begin);
        bool marker = (line.substr(0, 3) == "---" || line.substr(0, 3) == "...") &&
                      (line.size() == 3 || std::isspace(uint8_t(line[3])));
        size_t first = line.find_first_not_of(" \t\r");
        bool text_line =
            !marker && first != std::string_view::npos && line[first] != '#' && line[first] != '%';
        size_t after = marker ? line.find_first_not_of(" \t\r", 3) : std::string_view::npos;
        bool inline_node = after != std::string_view::npos && line[after] != '#';  // "--- {}"
        if ((text_line || inline_node) && (ended || (marker && content))) {
            return true;
        }
        ended = ended || (marker && content);
        content = content || text_line;
    }
    return false;
}

// The key of a top-level line `key:` with nothing after the colon but a comment; empty when
// the line is anything else. A `#` starts a comment only after a space: `key:#` is one plain
// scalar to YAML, not a key (found by fuzzing: the cut took it for one and loaded a file the
// whole document rejects).
std::string bareRootKey(const std::string& text, const Line& line) {
    std::string_view l(text.data() + line.begin, line.end - line.begin);
    size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return {};
    }
    size_t rest = l.find_first_not_of(" \r", colon + 1);
    if (rest != std::string_view::npos && (l[rest] != '#' || l[rest - 1] != ' ')) {
        return {};
    }
    std::string_view key = l.substr(0, colon);
    while (!key.empty() && key.back() == ' ') {
        key.remove_suffix(1);
    }
    if (key.size() >= 2 && (key[0] == '"' || key[0] == '\'') && key.back() == key[0]) {
        key = key.substr(1, key.size() - 2);
    }
    return std::string(key);
}

// The entries of the block map that starts after lines[k] (a chunked key's line), up to the
// next top-level line. Nullopt when its lines are not one key per entry at one column.
std::optional<std::vector<size_t>> entryLines(const std::vector<Line>& lines, size_t k,
                                              size_t& next) {
    std::vector<size_t> starts;
    int column = -1;
    for (next = k + 1; next < lines.size(); ++next) {
        const Line& l = lines[next];
        if (!l.content) {
            continue;
        }
        if (l.indent == 0) {
            break;
        }
        if (column < 0) {
            column = l.indent;
            if (std::string_view("-[{?&!*|>%").find(l.first) != std::string_view::npos) {
                return std::nullopt;  // not a block map of plain entries
            }
        }
        if (l.indent < column) {
            return std::nullopt;
        }
        if (l.indent == column) {
            starts.push_back(next);
        }
    }
    if (starts.empty()) {
        return std::nullopt;
    }
    return starts;
}

}  // namespace

std::optional<ChunkedYaml> ChunkedYaml::parse(YamlReader& in, const std::string& text,
                                              std::initializer_list<std::string_view> chunked,
                                              bool whole) {
    ChunkedYaml doc;
    doc.text_ = &text;
    // The skeleton: the text with every chunked entry's lines blanked (kept as empty lines so
    // the marks of what remains do not move) and `{}` after the chunked key's colon.
    std::string skeleton;
    size_t copied = 0;
    whole = whole || text.find('\0') != std::string::npos || mayHaveAlias(text);
    auto lines = whole ? std::vector<Line>() : splitLines(text);
    if (hasLaterDocument(text, lines)) {
        lines.clear();  // parsed whole
    }
    for (size_t k = 0; k < lines.size(); ++k) {
        const Line& l = lines[k];
        if (!l.content || l.indent != 0) {
            continue;
        }
        std::string key = bareRootKey(text, l);
        size_t next = k;
        auto starts = key.empty() || std::find(chunked.begin(), chunked.end(), key) == chunked.end()
                          ? std::nullopt
                          : entryLines(lines, k, next);
        if (!starts) {
            continue;
        }
        Map map{key, lines[starts->front()].indent, {}};
        size_t end = next < lines.size() ? lines[next].begin : text.size();
        for (size_t e = 0; e < starts->size(); ++e) {
            size_t begin = lines[(*starts)[e]].begin;
            size_t stop = e + 1 < starts->size() ? lines[(*starts)[e + 1]].begin : end;
            map.entries.push_back({begin, stop, int((*starts)[e])});
        }
        size_t colon = text.find(':', l.begin);
        size_t body = map.entries.front().begin;
        skeleton.append(text, copied, colon + 1 - copied).append(" {}");
        skeleton.append(text, colon + 1, body - colon - 1);
        skeleton.append(
            size_t(std::count(text.begin() + long(body), text.begin() + long(end), '\n')), '\n');
        copied = end;
        doc.maps_.push_back(std::move(map));
        k = next - 1;
    }
    try {
        doc.root_ =
            doc.maps_.empty() ? YAML::Load(text) : YAML::Load(skeleton.append(text, copied));
    } catch (const YAML::Exception& e) {
        if (!doc.maps_.empty()) {
            return parse(in, text, chunked, true);  // the whole text says where the error is
        }
        in.error(e.mark, "", "YAML syntax error: " + e.msg);
        return std::nullopt;
    }
    return doc;
}

void ChunkedYaml::forEach(YamlReader& in, std::string_view key, const EntryFn& fn) const {
    auto map = std::find_if(maps_.begin(), maps_.end(), [&](const Map& m) { return m.key == key; });
    if (map == maps_.end()) {
        const YAML::Node& whole = root_[std::string(key)];
        if (whole.IsMap()) {
            for (const auto& kv : whole) {
                fn(kv.first, kv.second);
            }
        }
        return;
    }
    const std::string sentinel = std::string(size_t(map->column), ' ') + kEndKey + ": 0\n";
    std::string piece;
    for (const auto& entry : map->entries) {
        // The entry's lines, then a key at the entry's column, as the whole document has the
        // next entry (or a top-level key) there: a value left open at the end of the piece
        // (yaml-cpp takes a last line "name" with no colon at the end of the text as a key)
        // runs into it instead of ending quietly.
        piece.assign(*text_, entry.begin, entry.end - entry.begin);
        if (!piece.empty() && piece.back() != '\n') {
            piece += '\n';
        }
        int end_line = int(std::count(piece.begin(), piece.end(), '\n'));
        piece += sentinel;
        YAML::Node one;
        try {
            one = YAML::Load(piece);
        } catch (const YAML::Exception&) {
            throw Recut{};
        }
        // The piece must be the one entry the cut saw, where it saw it, and the end key.
        if (!one.IsMap() || one.size() != 2) {
            throw Recut{};
        }
        auto kv = *one.begin();
        auto end = *std::next(one.begin());
        if (kv.first.Mark().line != 0 || kv.first.Mark().column != map->column ||
            !end.first.IsScalar() || end.first.Scalar() != kEndKey ||
            end.first.Mark().line != end_line) {
            throw Recut{};
        }
        YamlReader::LineOffset offset(in, entry.line);
        fn(kv.first, kv.second);
    }
}

}  // namespace pharos::conf
