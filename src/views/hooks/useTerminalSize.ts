// The size the dashboard draws at: the one given (the dashboard's renderer passes the terminal's
// on every resize, tests a fixed one), else the terminal's now. The fake stdout of
// ink-testing-library has no `rows`: default to 24.
import { useStdout } from 'ink';

export interface Size {
  columns: number;
  rows: number;
}

export function useTerminalSize(given?: Partial<Size>): Size {
  const { stdout } = useStdout();
  return { columns: given?.columns ?? stdout.columns ?? 80, rows: given?.rows ?? stdout.rows ?? 24 };
}
