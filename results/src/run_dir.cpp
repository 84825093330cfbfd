#include "remedi/results/run_dir.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/sha256.h"
#include "remedi/common/strutil.h"
#include "remedi/results/record_file.h"

namespace remedi::results {

using nlohmann::json;

std::string config_hash(const json& config) { return sha256_hex(dump_json(config)); }

std::vector<std::string> differing_keys(const json& a, const json& b) {
  std::vector<std::string> out;
  if (!a.is_object() || !b.is_object()) return {"<whole config>"};
  for (auto& [k, v] : a.items())
    if (!b.contains(k) || b.at(k) != v) out.push_back(k);
  for (auto& [k, v] : b.items())
    if (!a.contains(k)) out.push_back(k);
  return out;
}

std::string utc_now_iso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RunIdentity open_run_dir(const RunPaths& p, const json& config, bool resume) {
  make_dirs(p.root);
  const std::string hash = config_hash(config);
  if (resume && file_exists(p.config())) {
    json old = json::parse(read_file(p.config()), nullptr, false);
    if (old.is_discarded() || !old.contains("config"))
      throw Error("config.json of the run is unreadable", p.config(), "start a new run with a fresh --out");
    if (old.value("config_hash", "") != hash) {
      auto keys = differing_keys(old["config"], config);
      std::string detail;
      for (const auto& k : keys)
        detail += "\n  " + k + ": was " + (old["config"].contains(k) ? dump_json(old["config"][k]) : "absent") +
                  ", now " + (config.contains(k) ? dump_json(config[k]) : "absent");
      throw Error("cannot resume: the configuration differs from the one this run started with:" + detail,
                  p.config(), "rerun with the original flags, or start a new run with a different --out");
    }
    return {old.value("run_id", ""), old.value("started_at", ""), hash};
  }
  if (!resume && file_exists(p.samples()) && !read_records(p.samples()).records.empty())
    throw Error("the output directory already holds samples of a run", p.root,
                "pass --resume to continue it, or choose another --out");
  RunIdentity id;
  id.started_at = utc_now_iso();
  id.config_hash = hash;
  // Unique per start: the same config run twice into two directories gives two database rows.
  id.run_id = sha256_hex(hash + id.started_at + std::filesystem::absolute(p.root).string() +
                         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))
                  .substr(0, 16);
  write_file_atomic(p.config(), dump_json(json({{"config", config}, {"config_hash", hash}, {"run_id", id.run_id},
                                      {"started_at", id.started_at}}), 2) + "\n");
  return id;
}

std::string RunData::label() const {
  if (summary.contains("label") && summary["label"].is_string() && !summary["label"].get<std::string>().empty())
    return summary["label"];
  return std::filesystem::path(dir).lexically_normal().filename().string().empty()
             ? std::filesystem::path(dir).lexically_normal().parent_path().filename().string()
             : std::filesystem::path(dir).lexically_normal().filename().string();
}

RunData load_run(const std::string& dir) {
  RunPaths p(dir);
  if (!file_exists(p.summary()))
    throw Error("run has no summary.json (it did not finish, or this is not a run directory)", dir,
                "finish it with `remedi-eval run ... --out " + dir + " --resume`, or rebuild the summary "
                "with `remedi-eval score " + dir + "`");
  RunData d;
  d.dir = dir;
  d.summary = json::parse(read_file(p.summary()), nullptr, false);
  if (d.summary.is_discarded() || !d.summary.is_object())
    throw Error("summary.json is not valid JSON", p.summary());
  int v = d.summary.value("schema_version", 0);
  if (v < 1 || v > 1)
    throw Error("unsupported summary schema_version " + std::to_string(v), p.summary(),
                "use the remedi-eval version that wrote this run");
  d.records = read_records(p.samples()).records;
  std::map<std::string, int> order;
  if (d.summary.contains("task_order"))
    for (const auto& t : d.summary["task_order"]) order.emplace(t.get<std::string>(), static_cast<int>(order.size()));
  auto rank = [&](const std::string& t) { auto it = order.find(t); return it == order.end() ? 1 << 30 : it->second; };
  std::stable_sort(d.records.begin(), d.records.end(), [&](const SampleRecord& a, const SampleRecord& b) {
    if (a.key.task != b.key.task) {
      int ra = rank(a.key.task), rb = rank(b.key.task);
      return ra != rb ? ra < rb : a.key.task < b.key.task;
    }
    if (a.doc_index != b.doc_index) return a.doc_index < b.doc_index;
    return a.key.repeat < b.key.repeat;
  });
  return d;
}

void write_summary(const RunPaths& p, const json& summary) {
  write_file_atomic(p.summary(), dump_json(summary, 2) + "\n");
}

}  // namespace remedi::results
