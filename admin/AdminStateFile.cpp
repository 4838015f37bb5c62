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

// An optional text: absent or empty is "" (files written before 2026-11-26 wrote empty
// reasons and users, and must still load), anything else must be a string of at most `max`.
std::string optionalText(conf::YamlReader& in, const YAML::Node& node, const char* key,
                         const std::string& path, size_t max) {
    const YAML::Node& value = node[key];
    if (!value || (value.IsScalar() && value.Scalar().empty())) {
        return "";
    }
    return in.string(node, key, path, max).value_or("");
}

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
    using state::AdminOverride;
    auto action =
        in.choice(node, "action", path,
                  {state::toString(AdminOverride::Drain), state::toString(AdminOverride::ForcedUp),
                   state::toString(AdminOverride::ForcedDown)});
    auto since = in.integer(node, "since_ms", path, 0, INT64_MAX);
    if (!pool || !address || !action || !since) {
        return std::nullopt;
    }
    o.pool = *pool;
    o.address = *address;
    o.action = actionFromName(node["action"].Scalar());
    o.since_ms = *since;
    o.member = optionalText(in, node, "member", path, 256);
    o.reason = optionalText(in, node, "reason", path, 1024);
    o.by = optionalText(in, node, "by", path, 256);
    if (node["until_ms"]) {
        o.until_ms = in.integer(node, "until_ms", path, 0, INT64_MAX).value_or(0);
    }
    return o;
}

std::optional<Holder> readHolder(conf::YamlReader& in, const YAML::Node& node,
                                 const std::string& path) {
    if (!in.isMap(node, path)) {
        return std::nullopt;
    }
    in.checkKeys(node, path, {"pool", "member", "address", "directed", "since_ms", "by", "reason"});
    Holder h;
    auto pool = in.string(node, "pool", path, 256);
    auto address = in.string(node, "address", path, 64);
    auto since = in.integer(node, "since_ms", path, 0, INT64_MAX);
    if (!pool || !address || !since) {
        return std::nullopt;
    }
    h.pool = *pool;
    h.address = *address;
    h.since_ms = *since;
    h.member = optionalText(in, node, "member", path, 256);
    h.directed = node["directed"] ? in.boolean(node, "directed", path).value_or(false) : false;
    h.by = optionalText(in, node, "by", path, 256);
    h.reason = optionalText(in, node, "reason", path, 1024);
    return h;
}

std::optional<PendingApproval> readApproval(conf::YamlReader& in, const YAML::Node& node,
                                            const std::string& path) {
    if (!in.isMap(node, path)) {
        return std::nullopt;
    }
    in.checkKeys(node, path, {"pool", "member", "address", "since_ms", "approved", "by"});
    auto pool = in.string(node, "pool", path, 256);
    auto address = in.string(node, "address", path, 64);
    auto since = in.integer(node, "since_ms", path, 0, INT64_MAX);
    if (!pool || !address || !since) {
        return std::nullopt;
    }
    PendingApproval a{*pool, "", *address, *since, false, ""};
    a.member = optionalText(in, node, "member", path, 256);
    a.approved = node["approved"] ? in.boolean(node, "approved", path).value_or(false) : false;
    a.by = optionalText(in, node, "by", path, 256);
    return a;
}

// Calls read(node, path) for each entry of the optional list `key`.
template <class Read>
void readList(conf::YamlReader& in, const YAML::Node& root, const char* key, Read read) {
    if (!root[key] || !in.isList(root[key], key)) {
        return;
    }
    for (size_t i = 0; i < root[key].size(); ++i) {
        read(root[key][i], std::string(key) + "[" + std::to_string(i) + "]");
    }
}

// Optional text is written only when there is some: the reader refuses empty strings.
void putText(nlohmann::json& j, const char* key, const std::string& text) {
    if (!text.empty()) {
        j[key] = text;
    }
}

nlohmann::json policyJson(const PolicyRecords& policy) {
    nlohmann::json holders = nlohmann::json::array();
    for (const auto& h : policy.holders) {
        nlohmann::json j = {{"pool", h.pool},
                            {"address", h.address},
                            {"directed", h.directed},
                            {"since_ms", h.since_ms}};
        putText(j, "member", h.member);
        putText(j, "by", h.by);
        putText(j, "reason", h.reason);
        holders.push_back(std::move(j));
    }
    nlohmann::json approvals = nlohmann::json::array();
    for (const auto& a : policy.approvals) {
        nlohmann::json j = {{"pool", a.pool},
                            {"address", a.address},
                            {"since_ms", a.since_ms},
                            {"approved", a.approved}};
        putText(j, "member", a.member);
        putText(j, "by", a.by);
        approvals.push_back(std::move(j));
    }
    return {{"holders", std::move(holders)}, {"approvals", std::move(approvals)}};
}

}  // namespace

nlohmann::json adminStateJson(const AdminState& state) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& o : state.overrides.all()) {
        nlohmann::json j = {{"pool", o.pool},
                            {"address", o.address},
                            {"action", state::toString(o.action)},
                            {"since_ms", o.since_ms}};
        putText(j, "member", o.member);
        putText(j, "reason", o.reason);
        putText(j, "by", o.by);
        if (o.until_ms != 0) {
            j["until_ms"] = o.until_ms;
        }
        list.push_back(std::move(j));
    }
    nlohmann::json doc = policyJson(state.policy);
    doc["version"] = 2;
    doc["overrides"] = std::move(list);
    return doc;
}

namespace {

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
        return AdminState{};
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
    AdminState out;
    if (root && in.isMap(*root, "")) {
        // Version 1 had the overrides alone; 2 adds the DR policies' records.
        in.checkKeys(*root, "", {"version", "overrides", "holders", "approvals"});
        in.integer(*root, "version", "", 1, 2);
        in.required(*root, "overrides", "");
        readList(in, *root, "overrides", [&](const YAML::Node& node, const std::string& path) {
            if (auto o = readOverride(in, node, path)) {
                out.overrides.set(std::move(*o));
            }
        });
        readList(in, *root, "holders", [&](const YAML::Node& node, const std::string& path) {
            if (auto h = readHolder(in, node, path)) {
                out.policy.setHolder(std::move(*h));
            }
        });
        readList(in, *root, "approvals", [&](const YAML::Node& node, const std::string& path) {
            if (auto a = readApproval(in, node, path)) {
                out.policy.addPending(std::move(*a));
            }
        });
    }
    if (!errors.empty()) {
        return errors;
    }
    return out;
}

void saveAdminState(const std::string& path, const AdminState& state, const std::string& group) {
    std::string text = adminStateJson(state).dump(2) + "\n";
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
