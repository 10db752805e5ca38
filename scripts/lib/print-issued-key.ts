import type { IssueApiKeyInput, IssuedApiKey } from '../../api/auth/issue-api-key';

/**
 * What an operator sees when a key is made on the command line: the key (and an owner's first callback
 * secret) once, with the warning that they cannot be shown again.
 */
export function printIssuedKey(input: IssueApiKeyInput, issued: IssuedApiKey): void {
  console.log('API key created. It is shown only this once and cannot be shown again: store it now.');
  console.log(`  key     ${issued.key}`);
  console.log(`  id      ${issued.id}`);
  console.log(`  prefix  ${issued.prefix}`);
  console.log(`  owner   ${input.owner}`);
  console.log(`  scope   ${input.scope}`);
  if (input.name) console.log(`  name    ${input.name}`);
  if (issued.callbackSecret) {
    console.log(
      `Callback secret of ${input.owner} created: the HMAC key of its callbacks' x-jimeng-signature.`,
    );
    console.log('It too is shown only this once: hand it over with the key.');
    console.log(`  callback secret  ${issued.callbackSecret.secret}`);
  } else {
    console.log(`  callbacks signed with the existing secret of ${input.owner} (unchanged)`);
  }
}
