const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/**
 * The recording's start as an ISO 8601 local date-time (`2009-12-10T12:44:02`), or undefined when
 * the header's date or time is not valid. The header's two-digit year is 1985-2084 (EDF spec);
 * an EDF+ recording field (`Startdate 10-DEC-2009 ...`) gives the full year when it agrees.
 */
export function edfStartTime(date: string, time: string, recording: string): string | undefined {
  const d = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(date.trim());
  const t = /^(\d\d)[.:](\d\d)[.:](\d\d)$/.exec(time.trim());
  if (!d || !t) return undefined;
  const [day, month, shortYear] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3])];
  let year = shortYear >= 85 ? 1900 + shortYear : 2000 + shortYear;
  const plus = /^Startdate (\d\d)-([A-Z]{3})-(\d{4})\b/.exec(recording.trim());
  if (plus && Number(plus[3]) % 100 === shortYear && MONTHS[month - 1] === plus[2]) year = Number(plus[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
