#!/usr/bin/env node
// JSX-free entry: NODE_ENV must be set before React loads (production React costs 2.3x less CPU).
process.env.NODE_ENV ??= 'production';
await import('./main.js');
