// Room names in the Slack style, for every platform that names rooms from incidents:
// `inc-2026-0001-phishing-wave`: lowercase ASCII letters, digits, `-`; at most `max` characters,
// cut at a word boundary. Accented letters lose their accents; other scripts and emoji drop out.
export function incidentRoomName(publicId: string, title: string, max = 80): string {
  const id = slugify(publicId);
  const words = slugify(title);
  if (!words) return id.slice(0, max);
  const full = `${id}-${words}`;
  if (full.length <= max) return full;
  const cut = full.slice(0, max + 1);
  const boundary = cut.lastIndexOf("-");
  return (boundary > id.length ? cut.slice(0, boundary) : full.slice(0, max)).replace(/-+$/, "");
}

export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
