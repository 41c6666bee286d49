// The widget's one stylesheet: scoped by the `seam-` class prefix, themed by `--seam-*` custom properties.

export const STYLE_ELEMENT_ID = "seam-widget-css";

/**
 * Every size here is fixed (card width, image ratio, two lines of name, one of price) so the skeleton
 * and the loaded strip have the same height: the page does not jump when the cards arrive.
 * Colours default to the page's own (inherit, translucent greys) so dark themes work untouched.
 * The list's 4px padding, cancelled by a -4px margin, keeps the focus ring inside the scroll box,
 * which would otherwise clip it on the first card and along the top.
 */
export const WIDGET_CSS = `
.seam-recs{font-family:var(--seam-font,inherit);font-size:var(--seam-font-size,14px);line-height:1.4;color:var(--seam-text,inherit);margin:var(--seam-margin,24px 0)}
.seam-title{font-size:1.2em;font-weight:600;line-height:1.4;margin:0 0 12px}
.seam-list{display:flex;gap:var(--seam-gap,16px);overflow-x:auto;scroll-snap-type:x mandatory;scroll-padding:4px;overscroll-behavior-x:contain;list-style:none;margin:-4px;padding:4px}
.seam-card{flex:0 0 var(--seam-card-width,160px);scroll-snap-align:start}
.seam-link{display:block;color:inherit;text-decoration:none;border-radius:var(--seam-radius,8px)}
.seam-link:hover .seam-name{text-decoration:underline}
.seam-link:focus-visible{outline:2px solid var(--seam-accent,#2557d6);outline-offset:2px}
.seam-img{display:block;width:100%;height:auto;aspect-ratio:var(--seam-image-ratio,1);object-fit:cover;border-radius:var(--seam-radius,8px);background:var(--seam-placeholder,rgba(128,128,128,.12))}
.seam-name{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;height:2.8em;margin-top:8px}
.seam-price{display:block;height:1.4em;font-weight:600;color:var(--seam-accent,inherit)}
.seam-skeleton .seam-img,.seam-skeleton .seam-name,.seam-skeleton .seam-price{background:var(--seam-placeholder,rgba(128,128,128,.12));border-radius:var(--seam-radius,8px)}
@media (prefers-reduced-motion:no-preference){.seam-skeleton .seam-card{animation:seam-pulse 1.4s ease-in-out infinite}}
@keyframes seam-pulse{50%{opacity:.55}}
`;

/** Adds the stylesheet to the document once, however many strips (or copies of the script) there are. */
export function injectStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ELEMENT_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ELEMENT_ID;
  style.textContent = WIDGET_CSS.trim();
  // First in <head>, so any rule the store writes for .seam-* wins without !important.
  doc.head.prepend(style);
}
