import { DEVELOPMENT_DEFAULT_VARIABLES, startInProduction } from '../support/production-start';

describe('the API process', () => {
  it('refuses to start in production on development defaults, naming each in one message', () => {
    const { status, stderr, stdout } = startInProduction('api/main');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^invalid configuration:/);
    for (const name of DEVELOPMENT_DEFAULT_VARIABLES)
      expect(stderr).toContain(`${name} is the development default`);
    expect(stderr).not.toContain('dev-access-secret');
    expect(stderr).not.toContain('dev-callback-secret');
  });
});
