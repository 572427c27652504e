// The `dashboard:` section of config.yml (the user's, then the Guild home's; the home's wins):
//
//   dashboard:
//     mouse: no        # no mouse reporting: the terminal selects text as usual (default yes)
import { booleanField, configSections } from './config-sections.js';

export interface DashboardSettings {
  /** Wheel scrolls and a click selects (SGR mouse reporting is turned on). */
  mouse: boolean;
}

/** The dashboard's settings; a malformed section is a GrunError naming the file and field. */
export function loadDashboardSettings(home: string, env: NodeJS.ProcessEnv = process.env): DashboardSettings {
  const cfg: DashboardSettings = { mouse: true };
  for (const { path, section } of configSections(home, 'dashboard', 'mouse', env)) {
    cfg.mouse = booleanField(section, 'mouse', 'dashboard', path) ?? cfg.mouse;
  }
  return cfg;
}
