// @ts-check
// Downloads of the report on screen with the filters it was drawn with: the API wants the
// bearer token, so each file is fetched, kept as a blob and saved through an object URL under
// the name the server gives (the QA pages' way). Every download is audited by the server.

import { ApiError, token } from "/common/js/api.js";
import { t } from "/common/js/i18n.js";
import { h } from "/common/js/dom.js";

/** Fetch ``path`` (under /api/v1) with the token and save it; a refusal goes to ``error``. */
export async function download(path, error) {
  error.textContent = "";
  const response = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    error.textContent = new ApiError(response.status, data?.detail || response.statusText, data).detail;
    return;
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "")?.[1] || "report";
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

/**
 * The report's download buttons: XLSX (every table) and one CSV per table. ``report`` is the
 * API's report path ("kpis"), ``tables`` its CSV tables, ``query`` the filters' parameters.
 */
export function downloadRow(report, tables, query) {
  const error = h("p", { className: "error", role: "alert" });
  const get = (path) => (event) => {
    const button = event.currentTarget;
    button.disabled = true; // one file per press
    download(`/analytics/${report}/${path}`, error)
      .catch((failure) => { error.textContent = failure.message; })
      .finally(() => { button.disabled = false; });
  };
  return h("section", { className: "panel downloads", "aria-labelledby": `${report}-downloads` },
    h("h2", { id: `${report}-downloads` }, t("downloads")),
    h("p", { className: "exports" },
      h("button", { type: "button", id: `${report}-xlsx`, onclick: get(`export.xlsx?${query}`) }, t("download_xlsx")),
      tables.map((table) => h("button", {
        type: "button", id: `${report}-csv-${table}`, onclick: get(`export.csv?${query}&table=${table}`),
      }, t("download_csv", { table: t(`table_${table}`) })))),
    error);
}
