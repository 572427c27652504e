// `?`: the keys of a screen, rendered from the same keymap table that dispatches them.
import { Box, Text } from 'ink';
import { keyLabel, usable, type Keymap } from './keymap.js';

export function helpLines(keymap: Keymap, readonly: boolean): string[] {
  return usable(keymap, readonly).map((b) => `${b.keys.map(keyLabel).join(' / ').padEnd(22)} ${b.help}`);
}

export function HelpScreen({ title, lines, scroll, height }: { title: string; lines: string[]; scroll: number; height: number }) {
  const body = lines.slice(scroll, scroll + height - 1);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {title}
      </Text>
      {body.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {'  ' + l}
        </Text>
      ))}
    </Box>
  );
}
