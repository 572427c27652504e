// Guild's text forms of times, shared by the CLI and the dashboard.

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Guild's `util.format_timestamp`: µs since the epoch as local `%Y-%m-%d %H:%M:%S`, '' if none. */
export function formatTimestamp(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '';
  const d = new Date(Math.floor(us / 1000));
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Guild's `util.format_duration`: `H:MM:SS` from µs timestamps; to now while not stopped. */
export function formatDuration(startUs: number | null, stopUs: number | null, nowUs = Date.now() * 1000): string {
  if (startUs === null) return '';
  const seconds = Math.max(0, Math.floor(((stopUs ?? nowUs) - startUs) / 1_000_000));
  const h = Math.floor(seconds / 3600);
  return `${h}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
}
