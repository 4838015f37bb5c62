#include "admin/AdminStateFile.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "conf/YamlReader.hpp"

namespace pharos::admin {
namespace {

std::optional<Override> readOverride(conf::YamlReader& in, const YAML::Node& node,
                                     const std::string& path) {
    if (!in.isMap(node, path)) {
        return std::nullopt;
    }
    in.checkKeys(node, path,
                 {"pool", "member", "address", "action", "reason", "by", "since_ms", "until_ms"});
    Override o;
    auto pool = in.string(node, "pool", path, 256);
    auto address = in.string(node, "address", path, 64);
    auto action = in.choice(node, "action", path, {"drain", "force-up", "force-down"});
    auto since = in.integer(node, "since_ms", path, 0, INT64_MAX);
    if (!pool || !address || !action || !since) {
        return std::nullopt;
    }
    o.pool = *pool;
    o.address = *address;
    o.action = actionFromName(node["action"].Scalar());
    o.since_ms = *since;
    o.member = node["member"] ? in.string(node, "member", path, 256).value_or("") : "";
    o.reason = node["reason"] ? in.string(node, "reason", path, 1024).value_or("") : "";
    o.by = node["by"] ? in.string(node, "by", path, 256).value_or("") : "";
    if (node["until_ms"]) {
        o.until_ms = in.integer(node, "until_ms", path, 0, INT64_MAX).value_or(0);
    }
    return o;
}

nlohmann::json toJson(const AdminOverrides& overrides) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& o : overrides.all()) {
        nlohmann::json j = {{"pool", o.pool},        {"member", o.member},
                            {"address", o.address},  {"action", actionName(o.action)},
                            {"reason", o.reason},    {"by", o.by},
                            {"since_ms", o.since_ms}};
        if (o.until_ms != 0) {
            j["until_ms"] = o.until_ms;
        }
        list.push_back(std::move(j));
    }
    return {{"version", 1}, {"overrides", std::move(list)}};
}

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

void writeAll(int fd, const std::string& text, const std::string& path) {
    for (size_t done = 0; done < text.size();) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("write", path);
        }
        done += size_t(n);
    }
}

}  // namespace

AdminStateLoad loadAdminState(const std::string& path) {
    std::vector<conf::ConfigError> errors;
    if (!std::filesystem::exists(path)) {
        return AdminOverrides{};
    }
    auto text = conf::readFile(path, errors, "the admin-state file");
    if (!text) {
        return errors;
    }
    return parseAdminState(*text, path);
}

AdminStateLoad parseAdminState(const std::string& text, const std::string& name) {
    std::vector<conf::ConfigError> errors;
    conf::YamlReader in(name, errors);
    std::optional<YAML::Node> root = conf::parseYaml(in, text);
    AdminOverrides out;
    if (root && in.isMap(*root, "")) {
        in.checkKeys(*root, "", {"version", "overrides"});
        in.integer(*root, "version", "", 1, 1);
        if (in.required(*root, "overrides", "") && in.isList((*root)["overrides"], "overrides")) {
            const auto& list = (*root)["overrides"];
            for (size_t i = 0; i < list.size(); ++i) {
                if (auto o = readOverride(in, list[i], "overrides[" + std::to_string(i) + "]")) {
                    out.set(std::move(*o));
                }
            }
        }
    }
    if (!errors.empty()) {
        return errors;
    }
    return out;
}

void saveAdminState(const std::string& path, const AdminOverrides& overrides,
                    const std::string& group) {
    std::string text = toJson(overrides).dump(2) + "\n";
    std::string temp = path + ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        fail("create", temp);
    }
    try {
        writeAll(fd, text, temp);
        if (struct group* g = getgrnam(group.c_str())) {
            (void)fchown(fd, uid_t(-1), g->gr_gid);  // best effort: the owner's group stays
        }
        if (::fsync(fd) != 0) {
            fail("flush", temp);
        }
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail("replace", path);
    }
    std::string dir = std::filesystem::path(path).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);  // the rename itself is durable only once the directory is
        ::close(dfd);
    }
}

}  // namespace pharos::admin
