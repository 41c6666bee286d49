// The date-range picker of every report page: presets (7, 30, 90 days) and two date fields,
// checked before they are used, the problem said in words next to them.
import { useEffect, useState } from "preact/hooks";
import { isoDay, lastDays, PRESET_DAYS, rangeDays, rangeProblem, type DateRange } from "../lib/date-range.ts";

export interface DateRangePickerProps {
  value: DateRange;
  onChange: (range: DateRange) => void;
  /** Today, in the browser's calendar (passed in so tests can fix it). */
  today?: Date;
}

export function DateRangePicker({ value, onChange, today = new Date() }: DateRangePickerProps) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value.from, value.to]);
  const problem = rangeProblem(draft, today);
  const preset = PRESET_DAYS.find((days) => {
    const range = lastDays(days, today);
    return range.from === value.from && range.to === value.to;
  });
  const edit = (next: DateRange) => {
    setDraft(next);
    if (rangeProblem(next, today) === null) onChange(next);
  };
  return (
    <fieldset class="range-picker">
      <legend class="visually-hidden">Date range</legend>
      <div class="segmented" role="group" aria-label="Preset ranges">
        {PRESET_DAYS.map((days) => (
          <button type="button" key={days} aria-pressed={preset === days} onClick={() => edit(lastDays(days, today))}>
            {days} days
          </button>
        ))}
      </div>
      <label class="range-field">
        <span>From</span>
        <input type="date" value={draft.from} max={isoDay(today)} aria-invalid={problem !== null} onInput={(e) => edit({ ...draft, from: e.currentTarget.value })} />
      </label>
      <label class="range-field">
        <span>To</span>
        <input type="date" value={draft.to} max={isoDay(today)} aria-invalid={problem !== null} onInput={(e) => edit({ ...draft, to: e.currentTarget.value })} />
      </label>
      <span class="range-note" role={problem ? "alert" : undefined}>
        {problem ?? `${rangeDays(value)} days`}
      </span>
    </fieldset>
  );
}
