// A line being typed, with its cursor shown in inverse video (visible without colour).
import { Text } from 'ink';
import { cursorParts, type TextInput } from './state/text-input.js';

export function TextField({ input, color }: { input: TextInput; color?: string | undefined }) {
  const { before, at, after } = cursorParts(input);
  return (
    <>
      <Text color={color}>{before}</Text>
      <Text inverse>{at}</Text>
      <Text color={color}>{after}</Text>
    </>
  );
}
