// Guessing the secret key at the dashboard's sign-in is stopped per client IP: failed attempts use up
// a small budget, then every attempt from that IP (even with the right key) is a 429 with Retry-After,
// while other clients and repeated good sign-ins are never refused.
import { describe, expect, it } from "vitest";
import { FAILED_SIGN_INS_PER_MINUTE } from "../src/rate-limit/limit.ts";
import { DEMO_SECRET_KEY, request } from "./helpers.ts";

const signIn = (secretKey: string, ip: string) =>
  request("/v1/session", {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ secret_key: secretKey }),
  });

describe("sign-in rate limit", () => {
  it("refuses a client after its failed sign-ins used the budget, with Retry-After, even with the right key", async () => {
    const guesser = "203.0.113.7";
    const statuses: number[] = [];
    // The bucket holds a burst of failures (at least FAILED_SIGN_INS_PER_MINUTE); guess until refused.
    for (let i = 0; i < 30 && !statuses.includes(429); i++) statuses.push((await signIn(`sk_guess_${i}`, guesser)).status);
    const failures = statuses.filter((s) => s === 401).length;
    expect(failures).toBeGreaterThanOrEqual(FAILED_SIGN_INS_PER_MINUTE);
    expect(statuses.at(-1)).toBe(429);

    const refused = await signIn(DEMO_SECRET_KEY, guesser);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("set-cookie")).toBeNull();
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });

    // Another client is not affected.
    expect((await signIn(DEMO_SECRET_KEY, "198.51.100.9")).status).toBe(201);
  });

  it("never refuses good sign-ins, however many", async () => {
    const marketer = "192.0.2.44";
    for (let i = 0; i < 3 * FAILED_SIGN_INS_PER_MINUTE; i++) expect((await signIn(DEMO_SECRET_KEY, marketer)).status).toBe(201);
  });
});
