// execa (a hundred modules) loads when a process is first run, so `grun runs`, `runs info` and
// `cat` list without it.
export const loadExeca = async () => (await import('execa')).execa;
