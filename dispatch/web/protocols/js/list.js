// @ts-check
// The protocols and every version of each: its status, who moved it last and when; a DRAFT
// badge on a protocol no one has approved yet (the consoles walk its draft, badged likewise).
// Each version is a link (#<version id>): Tab to it, Enter opens it.

import { dateTime, pick, t } from "/common/js/i18n.js";
import { $, fill, h } from "/common/js/dom.js";
import { statusChip } from "./version.js";

/** Who moved the version to where it stands, and when. */
function lastMove(version) {
  switch (version.status) {
    case "in_review":
      return [version.submitted_by, version.updated_at];
    case "approved":
      return [version.approved_by, version.approved_at];
    case "retired":
      return [version.approved_by, version.updated_at];
    default:
      return [version.created_by, version.updated_at];
  }
}

function versionItem(version, openId) {
  const [who, when] = lastMove(version);
  const current = version.id === openId;
  return h("li", { dataset: { version: version.id, status: version.status } },
    h("a", { href: `#${version.id}`, "aria-current": current ? "true" : "false", className: "version-link" },
      t("version_n", { version: version.version }), " ", statusChip(version.status),
      h("span", { className: "muted who" }, ` ${t("by_at", { who: who || "—", when: dateTime(when) })}`)));
}

function protocolItem(protocol, openId) {
  const newest = protocol.versions[0];
  const approved = protocol.versions.some((v) => v.status === "approved");
  return h("section", { className: "protocol", dataset: { code: protocol.code }, "aria-labelledby": `protocol-${protocol.code}` },
    h("h3", { id: `protocol-${protocol.code}` },
      pick(newest?.title) || protocol.code, " ",
      approved ? null : h("span", { className: "chip draft-badge", title: t("badge_draft_hint") }, t("badge_draft"))),
    h("p", { className: "muted code" }, h("code", {}, protocol.code)),
    h("ul", { className: "versions", "aria-label": t("versions_of", { code: protocol.code }) },
      protocol.versions.map((version) => versionItem(version, openId))));
}

/** Draw the protocols ([{code, versions}], newest version first) with ``openId`` marked. */
export function drawList(protocols, openId) {
  const list = $("protocol-list");
  if (!protocols.length) {
    list.replaceChildren(h("p", { className: "muted" }, t("no_protocols")));
    return;
  }
  const drafts = protocols.some((protocol) => !protocol.versions.some((v) => v.status === "approved"));
  fill(list,
    drafts ? h("p", { id: "draft-legend", className: "muted small" },
      h("span", { className: "chip draft-badge" }, t("badge_draft")), " ", t("badge_draft_hint")) : null,
    ...protocols.map((protocol) => protocolItem(protocol, openId)));
}
