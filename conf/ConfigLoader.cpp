#include "conf/ConfigLoader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

LoadResult finish(Config config, std::vector<ConfigError> errors) {
    if (!errors.empty()) {
        return errors;
    }
    finalizeLayout(config);
    return config;
}

void loadLbInto(const std::string& lb_text, const std::string& topology_text,
                const std::string& lb_name, const std::string& topology_name, Config& config,
                std::vector<ConfigError>& errors) {
    YamlReader topo_in(topology_name, errors);
    if (!topology_text.empty()) {
        if (auto root = parseYaml(topo_in, topology_text)) {
            config.topology = parseTopology(topo_in, *root);
        }
    }
    YamlReader lb_in(lb_name, errors);
    size_t before = errors.size();
    try {
        if (auto doc = ChunkedYaml::parse(lb_in, lb_text, {"pools", "globalnames"})) {
            parseLbFile(lb_in, *doc, config.topology, config);
            if (errors.size() > before && doc->chunked()) {
                // A broken file is read again whole, so its errors are exactly those of the
                // whole document: a piece read alone may fail differently.
                throw ChunkedYaml::Recut{};
            }
        }
    } catch (const ChunkedYaml::Recut&) {
        errors.resize(before);
        config.pools.clear();
        config.globalnames.clear();
        config.globalname_index.clear();
        if (auto doc = ChunkedYaml::parse(lb_in, lb_text, {"pools", "globalnames"}, true)) {
            parseLbFile(lb_in, *doc, config.topology, config);
        }
    }
}

}  // namespace

LoadResult loadLbText(const std::string& lb_text, const std::string& topology_text,
                      const std::string& lb_name, const std::string& topology_name) {
    Config config;
    std::vector<ConfigError> errors;
    loadLbInto(lb_text, topology_text, lb_name, topology_name, config, errors);
    return finish(std::move(config), std::move(errors));
}

LoadResult loadLbFiles(const std::string& lb_yaml, const std::string& topology_yaml) {
    std::vector<ConfigError> errors;
    auto lb = readFile(lb_yaml, errors, "the LB file");
    std::optional<std::string> topology = std::string();
    if (!topology_yaml.empty()) {
        topology = readFile(topology_yaml, errors, "the topology file");
    }
    if (!lb || !topology) {
        return errors;
    }
    Config config;
    config.settings.lb_file = lb_yaml;
    config.settings.topology_file = topology_yaml;
    loadLbInto(*lb, *topology, lb_yaml, topology_yaml, config, errors);
    return finish(std::move(config), std::move(errors));
}

LoadResult loadConfig(const std::string& pharos_yaml) {
    std::vector<ConfigError> errors;
    auto text = readFile(pharos_yaml, errors, "the pharos configuration");
    if (!text) {
        return errors;
    }
    std::string absolute = std::filesystem::absolute(pharos_yaml).lexically_normal().string();
    std::string dir = std::filesystem::path(absolute).parent_path().string();
    Settings settings;
    YamlReader in(pharos_yaml, errors);
    if (auto root = parseYaml(in, *text)) {
        settings = parseSettings(in, *root, dir);
    }
    if (!errors.empty()) {
        return errors;
    }
    auto result = loadLbFiles(settings.lb_file, settings.topology_file);
    if (auto* config = std::get_if<Config>(&result)) {
        settings.config_file = absolute;
        config->settings = settings;
    }
    return result;
}

}  // namespace pharos::conf
