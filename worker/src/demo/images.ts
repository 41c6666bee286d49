// The demo store's product shots: flat SVG drawings of each product in its colour, on its
// collection's backdrop, generated from the product itself (deterministic, no files, no network).
import { hashString, seededRandom, type DemoProduct, type DemoProductKind } from "./catalog.ts";

const SIZE = 600;

/** A colour `amount` of the way to black (negative) or white (positive). */
export function shade(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(amount < 0 ? c * (1 + amount) : c + (255 - c) * amount);
  const [r, g, b] = [mix(n >> 16), mix((n >> 8) & 0xff), mix(n & 0xff)];
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** Relative luminance, roughly: light colours get a darker outline so they stand off the backdrop. */
function isLight(hex: string): boolean {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 0xff) + 0.114 * (n & 0xff) > 200;
}

interface Look {
  fill: string;
  dark: string;
  light: string;
  line: string;
  variant: number;
  random: () => number;
}

const shadow = (cx: number, cy: number, rx: number) => `<ellipse cx="${cx}" cy="${cy}" rx="${rx}" ry="14" fill="#000" opacity=".09"/>`;

function tee({ fill, dark, line, variant }: Look): string {
  const body =
    "M245 140Q300 192 355 140L432 166L497 252L440 292L410 266L410 470Q300 482 190 470L190 266L160 292L103 252L168 166Z";
  const details = [
    "",
    `<rect x="325" y="228" width="46" height="52" rx="6" fill="${dark}" opacity=".35"/>`,
    `<g clip-path="url(#shape)" fill="${dark}" opacity=".28">${[0, 1, 2, 3, 4, 5].map((i) => `<rect x="90" y="${200 + i * 48}" width="420" height="18"/>`).join("")}</g>`,
    `<circle cx="300" cy="270" r="34" fill="none" stroke="${dark}" stroke-width="6" opacity=".5"/>`,
  ][variant % 4];
  return `${shadow(300, 505, 150)}<clipPath id="shape"><path d="${body}"/></clipPath>
<path d="${body}" fill="${fill}" stroke="${line}" stroke-width="3" stroke-linejoin="round"/>${details}
<path d="M245 140Q300 192 355 140" fill="none" stroke="${dark}" stroke-width="9" stroke-linecap="round"/>`;
}

function sneaker({ fill, dark, light, line, variant }: Look): string {
  const sole = variant % 2 ? "#c98a4b" : "#f6f3ec";
  const upper = "M125 380L125 300Q125 262 168 260L252 270Q286 302 332 300L424 330Q492 346 496 380Z";
  const laces = [0, 1, 2, 3].map((i) => {
    const x = 290 + i * 30;
    const y = 296 + i * 9;
    return `<path d="M${x - 8} ${y - 10}L${x + 10} ${y + 12}" stroke="${light}" stroke-width="7" stroke-linecap="round"/>`;
  });
  return `${shadow(305, 428, 200)}
<rect x="110" y="372" width="398" height="44" rx="20" fill="${sole}" stroke="${shade(sole, -0.25)}" stroke-width="3"/>
<path d="M118 396H500" stroke="${shade(sole, -0.18)}" stroke-width="3"/>
<path d="${upper}" fill="${fill}" stroke="${line}" stroke-width="3" stroke-linejoin="round"/>
<path d="M430 333Q492 346 496 380L430 380Q418 356 430 333Z" fill="${dark}" opacity=".35"/>
<path d="M125 300Q125 262 168 260L170 380L125 380Z" fill="${dark}" opacity=".3"/>
<path d="M200 350Q270 330 330 352" fill="none" stroke="${dark}" stroke-width="5" opacity=".45"/>
${laces.join("")}`;
}

function mug({ fill, dark, light, line, variant, random }: Look): string {
  const speckles =
    variant % 3 === 1
      ? Array.from({ length: 40 }, () => `<circle cx="${(200 + random() * 180).toFixed(0)}" cy="${(215 + random() * 225).toFixed(0)}" r="${(1.5 + random() * 2.5).toFixed(1)}" fill="${dark}" opacity=".45"/>`).join("")
      : "";
  const glaze = variant % 3 === 2 ? `<path clip-path="url(#shape)" d="M180 200H400V262Q370 290 345 262T290 270T235 262T180 270Z" fill="${light}"/>` : "";
  const body = "M190 200H390V420Q390 455 355 455H225Q190 455 190 420Z";
  return `${shadow(300, 462, 130)}<clipPath id="shape"><path d="${body}"/></clipPath>
<path d="M388 250C478 250 478 392 388 392" fill="none" stroke="${line}" stroke-width="34" stroke-linecap="round"/>
<path d="M388 250C478 250 478 392 388 392" fill="none" stroke="${fill}" stroke-width="27" stroke-linecap="round"/>
<path d="${body}" fill="${fill}" stroke="${line}" stroke-width="3"/>${glaze}${speckles}
<ellipse cx="290" cy="200" rx="100" ry="17" fill="${dark}" stroke="${line}" stroke-width="3"/>
<path d="M205 230V420Q205 440 225 440" fill="none" stroke="#fff" stroke-width="8" stroke-linecap="round" opacity=".25"/>`;
}

function lamp({ fill, dark, line, variant }: Look): string {
  const metal = variant % 2 ? "#b8913a" : "#2e2e2e";
  const shadeShape = variant % 3 === 0 ? "M200 292Q300 110 400 292Z" : "M214 292L386 292L344 165L256 165Z";
  return `${shadow(300, 492, 110)}
<defs><radialGradient id="glow"><stop offset="0" stop-color="#ffe8a3" stop-opacity=".85"/><stop offset="1" stop-color="#ffe8a3" stop-opacity="0"/></radialGradient></defs>
<ellipse cx="300" cy="318" rx="140" ry="60" fill="url(#glow)"/>
<rect x="292" y="284" width="16" height="196" rx="6" fill="${metal}"/>
<rect x="232" y="470" width="136" height="22" rx="11" fill="${metal}"/>
<path d="${shadeShape}" fill="${fill}" stroke="${line}" stroke-width="3" stroke-linejoin="round"/>
<path d="M214 292H386" stroke="${dark}" stroke-width="8" stroke-linecap="round"/>`;
}

function backpack({ fill, dark, line, variant }: Look): string {
  const leather = variant % 2 ? "#8a5a2b" : "#c49a6c";
  const top = variant % 3 === 1 ? `<path d="M200 180Q300 120 400 180V210H200Z" fill="${dark}" stroke="${line}" stroke-width="3"/>` : "";
  return `${shadow(300, 488, 135)}
<path d="M262 156Q300 104 338 156" fill="none" stroke="${shade(fill, -0.45)}" stroke-width="12" stroke-linecap="round"/>
<rect x="195" y="150" width="210" height="330" rx="52" fill="${fill}" stroke="${line}" stroke-width="3"/>${top}
<rect x="224" y="318" width="152" height="126" rx="24" fill="${dark}" opacity=".55"/>
<path d="M232 336H368" stroke="${shade(fill, -0.5)}" stroke-width="4" stroke-linecap="round"/>
<rect x="284" y="362" width="32" height="40" rx="6" fill="${leather}"/>
<path d="M230 200V300M370 200V300" stroke="${shade(fill, -0.3)}" stroke-width="10" stroke-linecap="round" opacity=".6"/>`;
}

const DRAW: Record<DemoProductKind, (look: Look) => string> = { tee, sneaker, mug, lamp, backpack };

/** The product's image as an SVG document (square, like the widget's cards). */
export function productSvg(product: DemoProduct): string {
  const random = seededRandom(hashString(`img:${product.id}`));
  const look: Look = {
    fill: product.hex,
    dark: shade(product.hex, -0.35),
    light: shade(product.hex, 0.45),
    line: isLight(product.hex) ? shade(product.hex, -0.3) : shade(product.hex, -0.2),
    variant: Math.floor(random() * 6),
    random,
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}" width="${SIZE}" height="${SIZE}" role="img" aria-label="${product.name.replace(/[<&"]/g, "")}">
<rect width="${SIZE}" height="${SIZE}" fill="${product.collection.backdrop}"/>
<circle cx="300" cy="300" r="236" fill="#fff" opacity=".38"/>
${DRAW[product.category.kind](look)}
</svg>`;
}
