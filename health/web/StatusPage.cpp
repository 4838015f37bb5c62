#include "health/web/StatusPage.hpp"

namespace pharos::web {

std::string_view statusPageHtml() {
    static constexpr std::string_view kPage = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pharos status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #f6f7f9; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; }
  h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
  .meta { color: #5b6475; margin-bottom: 1em; }
  table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0002; }
  th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e6e8ec; }
  th { background: #eef0f4; font-weight: 600; }
  tr.pool td { background: #fafbfc; font-weight: 600; }
  .badge { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: 600; }
  .up { background: #d9f2df; color: #146c2e; }
  .down { background: #fbdada; color: #a11b1b; }
  .drained { background: #fff0c2; color: #7a5600; }
  .unknown { background: #e6e8ec; color: #5b6475; }
  .banner { padding: .6em .9em; border-radius: 4px; margin-bottom: 1em; }
  .banner.bad { background: #fbdada; color: #a11b1b; }
  .banner.ok { background: #d9f2df; color: #146c2e; }
  code { font-size: 13px; }
</style>
</head>
<body>
<h1>pharos</h1>
<div class="meta" id="meta">loading /status ...</div>
<div id="banner"></div>
<h2>Members</h2>
<table id="members"><thead><tr><th>Pool / member</th><th>Address</th><th>State</th>
<th>Answers use</th><th>Admin / policy</th><th>Changed</th><th>Last failure</th><th>Latency</th></tr></thead>
<tbody></tbody></table>
<h2>Globalnames</h2>
<table id="names"><thead><tr><th>Name</th><th>Pool</th><th>TTL</th><th>Answers now</th></tr></thead>
<tbody></tbody></table>
<script>
"use strict";
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function ago(ms, now) {
  if (!ms) return "never";
  const s = Math.max(0, (now - ms) / 1000);
  if (s < 90) return s.toFixed(0) + " s ago";
  if (s < 5400) return (s / 60).toFixed(0) + " min ago";
  return (s / 3600).toFixed(1) + " h ago";
}
function badge(state) { return el("span", "badge " + state, state); }
function row(cells) {
  const tr = el("tr");
  for (const c of cells) {
    const td = el("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}
function answers(a) {
  return Object.entries(a || {}).map(([t, v]) => t + ": " + (v.length ? v.join(", ") : "none")).join("; ");
}
function render(doc) {
  const now = doc.now_ms;
  const t = doc.table;
  document.getElementById("meta").textContent =
    "health table " + t.name + ": " + t.status + (t.writer_pid ? ", prober pid " + t.writer_pid : "") +
    ", updated " + new Date(now).toISOString();
  const banner = document.getElementById("banner");
  banner.className = "banner " + (t.verdicts_used ? "ok" : "bad");
  banner.textContent = t.verdicts_used ? "Answers follow the members' verdicts."
    : "The health table is " + t.status + ": the backend answers as if every member were up (fail-open).";
  if (doc.admin_state && doc.admin_state.error)
    banner.textContent += " Admin overrides cannot be read: " + doc.admin_state.error;
  const pr = doc.prober;
  if (pr && pr.behind) {
    banner.className = "banner bad";
    banner.textContent += " Prober behind schedule: checks " + pr.late_seconds.toFixed(1) +
      " s late (" + pr.in_flight + " in flight of " + pr.max_in_flight + ", " + pr.waiting +
      " waiting); " + pr.members_stale + " members stale, their last verdicts kept.";
  }
  const c = doc.cluster;
  if (c && c.store !== undefined) {
    const alone = c.store !== "connected";
    if (alone) banner.className = "banner bad";
    banner.textContent += " Cluster node " + c.node + (c.site ? " (" + c.site + ")" : "") +
      (alone ? ": etcd UNREACHABLE (" + c.store_error + "), deciding alone with the last shared state."
             : ": etcd connected, nodes voting: " + c.live_nodes.join(", ") + ".");
  }
  const members = document.querySelector("#members tbody");
  members.replaceChildren();
  for (const p of doc.pools) {
    let policy = "";
    if (p.holder) policy += " held on " + p.holder.member + " until failback";
    const pending = (p.pending_approvals || []).map(a => a.member);
    if (pending.length) {
      policy += " AWAITING APPROVAL: " + pending.join(", ");
      banner.className = "banner bad";
      banner.textContent += " Pool " + p.name + " has a failover awaiting approval.";
    }
    const head = row([p.name + " (" + p.lb_method + ", " + p.monitor + ")" + policy, "", "", "", "", "", "", ""]);
    head.className = "pool";
    members.appendChild(head);
    for (const m of p.members) {
      const o = m.override;
      const admin = o ? o.action + " by " + o.by + (o.reason ? " (" + o.reason + ")" : "") +
        (o.until_ms ? " until " + new Date(o.until_ms).toISOString() : "") : "";
      const hold = m.policy ? m.policy + (m.policy_until_ms ? " until " +
        new Date(m.policy_until_ms).toISOString() : "") : "";
      const votes = m.votes && p.health_quorum !== "local" ? "votes " +
        Object.entries(m.votes).map(([n, v]) => n + ": " + v).join(", ") : "";
      const kind = [m.stale ? "STALE: last verdict kept" : "", votes, m.cname ? "CNAME" : "",
        m.alert_only ? "alert only" : "",
        m.depends_on ? "depends on " + m.depends_on.join(", ") : ""].filter(x => x).join("; ");
      const tr = row(["  " + m.name, m.address, badge(m.state || "unknown"), badge(m.effective),
        [kind, admin, hold].filter(x => x).join("; "), ago(m.last_change_ms, now), m.last_failure || "",
        m.latency_us !== undefined ? (m.latency_us / 1000).toFixed(1) + " ms" : ""]);
      tr.dataset.member = p.name + "/" + m.name;
      tr.dataset.state = m.state || "unknown";
      members.appendChild(tr);
    }
  }
  const names = document.querySelector("#names tbody");
  names.replaceChildren();
  for (const g of doc.globalnames) {
    let text = answers(g.answers);
    if (g.by_region) text += " | by region: " + Object.entries(g.by_region)
      .map(([r, a]) => r + " " + answers(a)).join(" | ");
    names.appendChild(row([g.name, g.pool, String(g.ttl), text]));
  }
}
async function refresh() {
  try {
    const r = await fetch("/status", {cache: "no-store"});
    render(await r.json());
  } catch (e) {
    document.getElementById("meta").textContent = "cannot read /status: " + e;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)HTML";
    return kPage;
}

}  // namespace pharos::web
