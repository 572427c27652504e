// What the env attr keeps of an environment: secret names left out, credentials in values
// redacted by shape, and which variables were touched.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretName, redactEnv, redactValue } from '../../src/store/secrets.js';

describe('secrets', () => {
  test('secret-looking names', () => {
    for (const name of ['MY_API_KEY', 'api_key', 'GITHUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'Password', 'SLACK_WEBHOOK_URL', 'NPM_CONFIG__AUTH', 'SENTRY_DSN']) {
      assert.ok(isSecretName(name), name);
    }
    for (const name of ['PATH', 'HOME', 'RUN_ID', 'FLAG_LR', 'SSH_AUTH_SOCK', 'AUTHOR']) assert.ok(!isSecretName(name), name);
  });

  const shapes: [string, string, string][] = [
    ['password in a URL', 'postgres://u:pw@h/db', 'postgres://u:***@h/db'],
    ['proxy with credentials', 'http://alice:s3cret@proxy:3128', 'http://alice:***@proxy:3128'],
    ['token as the URL user', 'https://ghtoken123@github.com/x.git', 'https://***@github.com/x.git'],
    ['index URL with a password', 'https://__token__:pypi-abc@pypi.example/simple', 'https://__token__:***@pypi.example/simple'],
    ['Slack webhook', 'https://hooks.slack.com/services/T000/B000/XXXXXXXX', 'https://hooks.slack.com/services/***'],
    ['Discord webhook', 'https://discord.com/api/webhooks/123/abc', 'https://discord.com/api/webhooks/***'],
    ['secret query parameter', 'https://s3.example/x?X-Amz-Signature=abcd&part=1', 'https://s3.example/x?X-Amz-Signature=***&part=1'],
    ['GitHub token', 'ghp_' + 'a'.repeat(36), '***'],
    ['AWS key id in a list', 'id=AKIAIOSFODNN7EXAMPLE,x', 'id=***,x'],
    ['JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_-x', 'Bearer ***'],
    ['plain URL untouched', 'https://pypi.org/simple', 'https://pypi.org/simple'],
    ['plain text untouched', '/usr/bin:/bin', '/usr/bin:/bin'],
  ];
  for (const [name, value, want] of shapes) test(`by shape: ${name}`, () => assert.equal(redactValue(value), want));

  test('the env keeps plain variables and lists what it redacted', () => {
    const r = redactEnv({ PATH: '/bin', HF_TOKEN: 'x', DATABASE_URL: 'postgres://u:pw@h/db', LR: '1' });
    assert.deepEqual(r.env, { PATH: '/bin', DATABASE_URL: 'postgres://u:***@h/db', LR: '1' });
    assert.deepEqual(r.redacted, ['DATABASE_URL', 'HF_TOKEN']);
  });
});
