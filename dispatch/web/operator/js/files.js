// @ts-check
// The card's files (issue 23): the photos and video on the card (the caller's, through the
// gateway, and the operator's), each downloaded with the session's token, and "Attach a file"
// for the operator (POST /cards/{id}/attachments, multipart; the server allow-lists the types
// and limits the size, and its refusal is shown as it says it).

import { ApiError, errorText, token } from "/common/js/api.js";
import { h, toast } from "/common/js/dom.js";
import { number, t } from "/common/js/i18n.js";

/** @type {(card: object) => void} */
let onSaved = () => {};

export function configureFiles(saved) {
  onSaved = saved;
}

async function download(file) {
  try {
    const response = await fetch(`/api/v1/attachments/${file.id}`, { headers: { Authorization: `Bearer ${token()}` } });
    if (!response.ok) throw await refusal(response);
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: file.file_name || "file", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    toast(errorText(error), true);
  }
}

async function refusal(response) {
  const body = await response.json().catch(() => null);
  return new ApiError(response.status, body?.detail || response.statusText, body);
}

async function upload(card, input) {
  const [file] = input.files;
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const response = await fetch(`/api/v1/cards/${card.id}/attachments`, {
      method: "POST", body: form, headers: { Authorization: `Bearer ${token()}` },
    });
    if (!response.ok) throw await refusal(response);
    toast(t("file_attached", { name: file.name }));
    const saved = await fetch(`/api/v1/cards/${card.id}`, { headers: { Authorization: `Bearer ${token()}` } });
    if (saved.ok) onSaved(await saved.json());
  } catch (error) {
    toast(`${t("error")}: ${errorText(error)}`, true);
  } finally {
    input.value = "";
  }
}

/** The files section of the card form (built once per card). */
export function filesSection() {
  const input = h("input", { type: "file", id: "attach-file", accept: "image/*,video/*" });
  return h("section", { class: "group", id: "card-files" },
    h("h2", { text: t("card_files") }),
    h("ul", { id: "card-file-list", class: "card-files" }),
    h("label", { for: "attach-file", class: "attach-label", text: t("attach_file") }), input);
}

/** Show the card's files (and arm the upload for this card). */
export function showFiles(card) {
  const list = document.getElementById("card-file-list");
  const input = document.getElementById("attach-file");
  if (!list || !input) return;
  input.onchange = () => upload(card, input);
  const files = card.attachments || [];
  list.replaceChildren(...(files.length ? files.map((file) => h("li", {},
    h("button", {
      type: "button", class: "card-file", dataset: { attachmentId: file.id },
      text: `${file.file_name || file.media_type} (${number(Math.ceil(file.size_bytes / 1024))} KB, ${t(`file_from_${file.source}`)})`,
      onclick: () => download(file),
    }))) : [h("li", { class: "muted", text: t("no_files") })]));
}
