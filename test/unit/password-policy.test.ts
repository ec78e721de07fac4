import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from '../../src/modules/auth/password-policy';

describe('passwordProblem (NIST SP 800-63B)', () => {
  it('allows at least 64 characters, and sets the minimum at 8', () => {
    expect(PASSWORD_MIN).toBe(8);
    expect(PASSWORD_MAX).toBeGreaterThanOrEqual(64);
  });

  it.each([
    ['8 characters, no composition rules', 'plumkite'],
    ['a passphrase with spaces', 'the kettle is on again'],
    ['all lowercase letters', 'quietharbourlane'],
    ['only digits, if not common', '80417263'],
    ['emoji and accents', 'café 🐢 mañana'],
    ['64 characters', 'a1b2c3d4'.repeat(8)],
    ['200 characters', 'xyz'.repeat(66) + 'qq'],
    ['leading and trailing spaces kept', '  plum kite  '],
  ])('accepts %s', (_label, pw) => expect(passwordProblem(pw)).toBeUndefined());

  it.each([
    ['7 characters', 'plumkit', /at least 8/],
    ['ten spaces', ' '.repeat(10), /only spaces/],
    ['tabs and newlines only', '\t\t\n\n    \t', /only spaces/],
    ['201 characters', 'x'.repeat(200) + 'y', /at most 200/],
    ['a common password', 'password', /commonly used/],
    ['a common password in capitals', 'PASSWORD1', /commonly used/],
    ['a common password', '12345678', /commonly used/],
    ['a common password', 'iloveyou', /commonly used/],
    ['a common password', 'qwertyuiop', /commonly used/],
    ['a common password with a space', 'ilove you', /commonly used/],
    ['one repeated character', 'aaaaaaaaaa', /repeat/],
    ['the service name', 'HubKey123', /this service|commonly/],
    ['7 code points, 14 UTF-16 units', '🐢🐢🐢🐢🐢🐢🐇', /at least 8/],
  ])('refuses %s', (_label, pw, why) => expect(passwordProblem(pw)).toMatch(why));

  it('refuses the person’s own email or name', () => {
    expect(passwordProblem('rita.jones@example.org', { email: 'Rita.Jones@example.org' })).toMatch(/name, email/);
    expect(passwordProblem('rita.jones', { email: 'rita.jones@example.org' })).toMatch(/name, email/);
    expect(passwordProblem('Rita Jones Smith', { name: 'rita jones smith' })).toMatch(/name, email/);
    expect(passwordProblem('rita jones and her choir', { name: 'Rita Jones' })).toBeUndefined();
  });
});
