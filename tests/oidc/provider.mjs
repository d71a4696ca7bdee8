// A real OpenID Connect provider (the certified `oidc-provider`) for the sign-in tests, on 127.0.0.1.
//
// Started by tests/oidc_server.py as `node provider.mjs CONFIG.json`; prints one line
// `listening PORT` once it answers.  CONFIG holds the clients (the wiki's, and another
// application's for the audience test) and the people with their claims.  Besides the
// provider's own routes it serves a login form without JavaScript (/interaction/UID, which a
// test fills in like a person would) and /test/people/NAME, where a test changes someone's
// groups between two sign-ins, as an administrator at the provider would.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const people = config.people;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-only-cookie-key'] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'groups', 'roles'],
    },
    features: {
      devInteractions: { enabled: false },
      // Plain pages of its own (the defaults load web fonts from elsewhere).
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html lang="en"><title>Sign out</title>${form}`
            + '<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></html>';
        },
        postLogoutSuccessSource(ctx) {
          ctx.body = '<!DOCTYPE html><html lang="en"><title>Signed out</title><p>Signed out.</p></html>';
        },
      },
    },
    renderError(ctx, out) {
      ctx.type = 'text/plain';
      ctx.body = JSON.stringify(out);
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 60, Session: 3600, Grant: 3600, Interaction: 600 },
    async findAccount(ctx, sub) {
      const name = Object.keys(people).find((key) => people[key].sub === sub);
      if (name === undefined) return undefined;
      return { accountId: sub, claims: async () => ({ ...people[name] }) };
    },
  });
  const handle = provider.callback();

  async function interaction(req, res, uid, submitted) {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (submitted === undefined) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<form method="post" action="/interaction/${uid}"><input name="login"><button>Sign in</button></form>`);
        return;
      }
      const person = people[new URLSearchParams(submitted).get('login')];
      if (person === undefined) {
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('unknown person');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: person.sub } }, { mergeWithLastSubmission: false });
      return;
    }
    // Consent: given at once, as an organisation's own application is.
    const { missingOIDCScope = [], missingOIDCClaims = [] } = details.prompt.details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (missingOIDCScope.length) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims.length) grant.addOIDCClaims(missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      const match = url.pathname.match(/^\/interaction\/([^/]+)$/);
      if (match) {
        await interaction(req, res, match[1], req.method === 'POST' ? await readBody(req) : undefined);
        return;
      }
      const person = url.pathname.match(/^\/test\/people\/([^/]+)$/);
      if (person && req.method === 'POST' && people[person[1]] !== undefined) {
        Object.assign(people[person[1]], JSON.parse(await readBody(req)));
        res.writeHead(204);
        res.end();
        return;
      }
      handle(req, res);
    } catch (error) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    }
  });
  process.stdout.write(`listening ${port}\n`);
});
