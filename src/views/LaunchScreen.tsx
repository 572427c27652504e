// Launch: pick an operation, edit flags (checked as you type; a list makes a sweep), preview.
import { Box, Text } from 'ink';
import { fit } from './format.js';
import { choiceName } from '../engine/flags.js';
import { checkField, fieldInput, type LaunchState } from './state/launch.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';

export function LaunchScreen({ screen: l, height, theme }: { screen: LaunchState; height: number; theme: Theme }) {
  const body = height - 2;
  let lines: React.ReactNode[] = [];
  if (l.step === 'pick') {
    const ops = l.ops ?? [];
    const start = Math.max(0, Math.min(l.sel - body + 1, ops.length - body));
    lines = ops.length === 0 && !l.busy
      ? [<Text key="none" dimColor>no operations here: add a guild.yml or a script (.py, .sh, .js)</Text>]
      : ops.slice(start, start + body).map((op, i) => (
          <Text key={op.name} wrap="truncate-end" inverse={start + i === l.sel}>
            {`${fit(op.name, 24)} ${fit(op.kind, 9)} ${op.description}`}
          </Text>
        ));
  } else if (l.step === 'form') {
    const defs = l.defs ?? [];
    const nameW = Math.min(20, Math.max(4, ...defs.map((d) => d.name.length)));
    const start = Math.max(0, Math.min(l.field - body + 1, defs.length - body));
    lines = defs.length === 0
      ? [<Text key="none" dimColor>this operation has no flags: Enter to preview</Text>]
      : defs.slice(start, start + body).map((d, k) => {
          const i = start + k;
          const raw = l.values[i] ?? '';
          const check = checkField(d, raw);
          const info = d.choices ? `one of ${d.choices.map((c) => String(choiceName(c))).join(', ')}` : (d.type ?? '');
          return (
            <Text key={d.name} wrap="truncate-end">
              <Text inverse={i === l.field}>{fit(d.name, nameW)}</Text>
              {' = '}
              {i === l.field ? <TextField input={fieldInput(l)} /> : raw}
              {check.error ? <Text color={theme.c('red')}>{`  ✖ ${check.error}`}</Text> : null}
              {check.sweep !== null ? <Text color={theme.c('cyan')}>{`  sweep: ${check.sweep < 0 ? 'search' : `${check.sweep} runs`}`}</Text> : null}
              {!check.error && check.sweep === null && info ? <Text dimColor>{`  ${info}`}</Text> : null}
            </Text>
          );
        });
  } else {
    const where = l.targets[l.target] ?? l.targets[0]!;
    const preview = [...(l.preview ?? []), `executes   ${where.label}${l.targets.length > 1 ? '   (Tab: elsewhere)' : ''}`];
    lines = preview.slice(0, body).map((p, i) => (
      <Text key={i} wrap="truncate-end">
        {p}
      </Text>
    ));
  }
  const title =
    l.step === 'pick'
      ? 'launch: pick an operation (Enter)'
      : l.step === 'form'
        ? `launch ${l.opspec}: type to edit a flag, Enter to preview the run`
        : `launch ${l.opspec}: Enter starts the run`;
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {title}
        {l.busy ? <Text color={theme.c('yellow')}>{'  working…'}</Text> : null}
      </Text>
      {l.error ? (
        <Text color={theme.c('red')} wrap="truncate-end">
          {`✖ ${l.error}`}
        </Text>
      ) : (
        <Text> </Text>
      )}
      {lines}
    </Box>
  );
}
