// Prices read the way the shopper's page reads them, in each item's own currency.
import { describe, expect, test } from "vitest";
import { formatPrice, mount } from "../src/index.ts";
import { HOST, WRITE_KEY, cardsOf, fakeFetch, item, placeholder, recsResponse } from "./helpers.ts";

// Intl puts a narrow no-break space between number and symbol in some locales; compare on plain spaces.
const plain = (text: string | null | undefined) => (text ?? "").replace(/\s/g, " ");

describe("prices", () => {
  test("formats with Intl in the item's currency and the given locale", () => {
    expect(plain(formatPrice(49.9, "EUR", "de-DE"))).toBe("49,90 €");
    expect(plain(formatPrice(1299, "USD", "en-US"))).toBe("$1,299.00");
    expect(plain(formatPrice(1500, "JPY", "ja-JP"))).toMatch(/^[￥¥]1,500$/);
  });

  test("falls back to plain digits for a missing or unknown currency, without throwing", () => {
    expect(formatPrice(12.5, null, "en-US")).toBe("12.50");
    expect(formatPrice(12.5, "NOT-A-CURRENCY", "en-US")).toBe("12.50");
  });

  test("cards use <html lang> and each item's currency; no price, no text", async () => {
    document.documentElement.lang = "de-DE";
    fakeFetch(
      recsResponse(0, {
        items: [item(1, { price: 49.9, currency: "EUR" }), item(2, { price: 20, currency: "USD" }), item(3, { price: null })],
      }),
    );
    const element = placeholder();
    mount(element, { type: "trending", writeKey: WRITE_KEY, host: HOST });
    const cards = await cardsOf(element, 3);
    const prices = cards.map((card) => plain(card.querySelector(".seam-price")!.textContent));
    expect(prices).toEqual(["49,90 €", "20,00 $", ""]);
  });

  test("an explicit locale beats the page's language", async () => {
    document.documentElement.lang = "de-DE";
    fakeFetch(recsResponse(0, { items: [item(1, { price: 1234.5, currency: "GBP" })] }));
    const element = placeholder();
    mount(element, { type: "trending", writeKey: WRITE_KEY, host: HOST, locale: "en-GB" });
    const [card] = await cardsOf(element, 1);
    expect(plain(card!.querySelector(".seam-price")!.textContent)).toBe("£1,234.50");
  });
});
