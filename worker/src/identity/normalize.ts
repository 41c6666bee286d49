// Canonical forms of email and phone, so the same person typed two ways is one identity.

export function normalizeEmail(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const email = value.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254 ? email : undefined;
}

/** Keeps digits and a leading '+': "+1 (555) 010-0200" and "+15550100200" are one phone. */
export function normalizePhone(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const raw = String(value).trim();
  const digits = raw.replace(/\D/g, "");
  if (digits.length < 6 || digits.length > 15) return undefined;
  return raw.startsWith("+") ? `+${digits}` : digits;
}
