#pragma once
// A YAML document whose big top-level maps are parsed one entry at a time. yaml-cpp's tree
// costs about 300 bytes per node: an LB file of 10,000 pools makes a tree of 120 MB for a
// model of a few MB, and the heap it leaves behind is too fragmented to give back. The
// entries of `pools` and `globalnames` are independent, so each is parsed from its own lines
// and dropped before the next: the tree never holds more than one entry.
//
// The cut is found from the lines alone (yaml-cpp's scanner is the slow part of loading, so
// the text is scanned once). Each piece, followed by a key at its entries' column (as the
// whole document has the next entry there), must parse as exactly the entry the cut saw and
// that key; if one does not (a quoted or flow value spanning lines, a syntax error),
// forEach() throws Recut and the loader starts over with the whole document. A file with
// errors is read again whole too, for the whole document's messages. So what loads is always
// what the whole document gives. Documents with aliases (which may point across entries),
// flow-style maps or tags on the chunked keys, or a second document are parsed whole from the
// start. Line numbers stay those of the file (the reader adds the entry's first line).
#include <yaml-cpp/yaml.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/YamlReader.hpp"

namespace pharos::conf {

class ChunkedYaml {
  public:
    using EntryFn = std::function<void(const YAML::Node& key, const YAML::Node& value)>;
    struct Recut {};  // thrown by forEach(): parse again with whole = true

    // Records a syntax error in `in` and returns nullopt when `text` is not YAML. `text` must
    // outlive the result.
    static std::optional<ChunkedYaml> parse(YamlReader& in, const std::string& text,
                                            std::initializer_list<std::string_view> chunked,
                                            bool whole = false);

    // The document; a chunked key's value reads as an empty map here: use forEach().
    const YAML::Node& root() const { return root_; }
    // Calls fn for each entry of the top-level map `key`, in file order.
    void forEach(YamlReader& in, std::string_view key, const EntryFn& fn) const;
    bool chunked() const { return !maps_.empty(); }  // false: parsed whole

  private:
    struct Entry {
        size_t begin = 0;  // offsets into the text: the entry's lines
        size_t end = 0;
        int line = 0;  // 0-based line of `begin`
    };
    struct Map {
        std::string key;
        int column = 0;  // of every entry's key
        std::vector<Entry> entries;
    };
    const std::string* text_ = nullptr;
    YAML::Node root_;
    std::vector<Map> maps_;
};

}  // namespace pharos::conf
