// One colour per channel wherever a channel is drawn, and a palette for everything else (campaigns, sources).
export const CHANNEL_COLORS: Record<string, string> = {
  email: "#4f46e5",
  sms: "#0e9f6e",
  messenger: "#f59e0b",
  push: "#e11d48",
  web: "#2e90fa",
  app: "#7a5af8",
  pos: "#dd2590",
  call_centre: "#667085",
  server: "#98a2b3",
};

/** Colours no channel uses, so a campaign or an unnamed channel never looks like one of them. */
const PALETTE = ["#15b79e", "#ef6820", "#875bf7", "#06aed4", "#eaaa08", "#66c61c", "#f63d68", "#344054"];

/** A channel's own colour, else the palette's `index`th. */
export const seriesColor = (key: string, index: number): string => CHANNEL_COLORS[key] ?? PALETTE[index % PALETTE.length]!;
