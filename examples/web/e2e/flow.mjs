// Drives the whole app in headless Chromium against a running server that
// serves it at /app/:
//
//   node e2e/flow.mjs http://127.0.0.1:8080 test-output
//
// sign up, create projects and page through them, open a project, start a
// session, watch a question stream in, answer it, produce a conflict and
// resolve it in the inbox, survive a refused access token (refresh on 401),
// download the export, sign out and in again. A screenshot of each page
// goes to the output folder (default test-output/). Any failure exits 1
// with the step and the browser's console on stderr.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const server = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const outDir = process.argv[3] ?? 'test-output';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
mkdirSync(outDir, { recursive: true });

const origin = new URL(server).origin;
const log = (...a) => console.log('flow:', ...a);
const consoleLines = [];
const external = [];
let step = 'launch';

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let failed = false;
let page;
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 820 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.origin !== origin) external.push(r.url());
  });
  const graphqlBodies = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/query') && r.method() === 'POST') graphqlBodies.push(r.postData() ?? '');
  });
  const shot = async (name) => {
    await page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
    log('screenshot', name);
  };
  const email = `web-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  step = 'sign up';
  await page.goto(`${server}/app/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Ada Example');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await shot('01-sign-up');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();

  step = 'create projects';
  for (const [name, description] of [
    ['Scratch pad', 'a first try'],
    ['Payments platform', 'card payments for small shops'],
  ]) {
    await page.getByPlaceholder('Name').fill(name);
    await page.getByPlaceholder('Description (optional)').fill(description);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.locator('.project-row', { hasText: name }).waitFor();
  }

  step = 'paginate';
  await page.goto(`${server}/app/?first=1`);
  await page.getByTestId('project-count').getByText('Showing 1 of 2 projects').waitFor();
  await page.getByRole('button', { name: 'Load more' }).click();
  await page.getByTestId('project-count').getByText('Showing 2 of 2 projects').waitFor();
  assert((await page.getByRole('button', { name: 'Load more' }).count()) === 0, 'Load more is still shown after the last page');
  await shot('02-projects');

  step = 'open the project';
  await page.getByRole('link', { name: 'Payments platform' }).click();
  await page.getByRole('heading', { name: 'Payments platform' }).waitFor();
  const bars = page.locator('.bar-row');
  await bars.first().waitFor();
  assert((await bars.count()) === 10, `want 10 coverage bars, got ${await bars.count()}`);

  step = 'start a session';
  await page.getByRole('button', { name: 'Start a session' }).click();
  await page.getByRole('heading', { name: /Session/ }).waitFor();

  // Records every text the question element shows, to see it grow word by word.
  const askAndWatch = async (streamingShot) => {
    await page.getByTestId('socket').getByText('connected').waitFor();
    const ask = page.getByRole('button', { name: 'Ask next question' });
    await page.waitForFunction(() => {
      const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Ask next question');
      return b && !b.disabled;
    });
    await page.evaluate(() => {
      window.__seen = [];
      const record = () => {
        const q = document.querySelector('[data-testid=question]');
        if (q) window.__seen.push(q.textContent.replace('▍', ''));
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await ask.click();
    if (streamingShot) {
      // Best effort: the question while it is still coming in.
      const partial = page.locator('[data-testid=question][data-complete=false]');
      if (await partial.filter({ hasText: /\w+ \w+/ }).waitFor({ timeout: 3_000 }).then(() => true, () => false)) {
        await page.screenshot({ path: join(outDir, `${streamingShot}.png`) });
        log('screenshot', streamingShot);
      }
    }
    await page.locator('[data-testid=question][data-complete=true]').waitFor();
    const q = page.getByTestId('question');
    const text = (await q.textContent()).trim();
    const deltas = Number(await q.getAttribute('data-deltas'));
    const seen = await page.evaluate(() => [...new Set(window.__seen.map((s) => s.trim()).filter(Boolean))]);
    assert(deltas >= 2, `the question came in ${deltas} DELTA events over the websocket, want several`);
    assert(seen.length >= 3, `the question did not appear word by word: ${JSON.stringify(seen)}`);
    assert(seen.every((s) => text.startsWith(s)), `an intermediate text is not a prefix of the question: ${JSON.stringify(seen)}`);
    log(`question streamed in ${deltas} deltas, shown in ${seen.length} steps: ${text}`);
    return text;
  };
  const answer = async (text, expect) => {
    await page.getByRole('textbox').fill(text);
    await page.getByRole('button', { name: 'Answer' }).click();
    await page.getByTestId('answer-result').waitFor();
    await page.getByTestId('answer-result').getByText(expect).first().waitFor();
  };

  step = 'ask the first question';
  await askAndWatch('03-session-streaming');
  await shot('03-session-question-complete');
  step = 'answer the first question';
  await answer('We will use PostgreSQL', 'PostgreSQL');
  await shot('04-session-answer');

  step = 'refresh on 401';
  // The next GraphQL request carries a token the server refuses: the app
  // must refresh (rotating the refresh token) and retry it.
  let refused = false;
  await page.route(`${server}/query`, async (route) => {
    const req = route.request();
    if (!refused && req.method() === 'POST' && (req.headers()['authorization'] ?? '').startsWith('Bearer ')) {
      refused = true;
      await route.continue({ headers: { ...req.headers(), authorization: 'Bearer not-a-valid-token' } });
      return;
    }
    await route.continue();
  });
  const refreshesBefore = graphqlBodies.filter((b) => b.includes('refreshToken(input')).length;

  step = 'ask the second question';
  await askAndWatch();
  assert(refused, 'no request went out with the refused token');
  const refreshes = graphqlBodies.filter((b) => b.includes('refreshToken(input')).length - refreshesBefore;
  assert(refreshes === 1, `want one refreshToken call after the 401, got ${refreshes}`);
  await page.unroute(`${server}/query`);
  log('a refused access token was refreshed once and the request retried');

  step = 'answer with a contradiction';
  await answer('Actually we will use MongoDB as the database', 'MongoDB');
  await page.getByText(/conflicts? detected/).waitFor();
  await shot('05-session-conflict');

  step = 'resolve in the inbox';
  await page.getByRole('link', { name: 'Open the conflict inbox' }).click();
  await page.getByRole('heading', { name: 'Conflict inbox' }).waitFor();
  const card = page.locator('li.conflict').first();
  await card.waitFor();
  for (const r of ['Keep the old', 'Replace', 'Merge', 'Ignore']) {
    assert((await card.getByRole('radio', { name: new RegExp(`^${r}`) }).count()) === 1, `the inbox offers no "${r}" resolution`);
  }
  await card.getByRole('radio', { name: /^Merge/ }).check();
  assert(await card.getByRole('button', { name: 'Resolve' }).isDisabled(), 'MERGE without a merged value can be submitted');
  await card.getByRole('textbox', { name: 'Merged value' }).fill('PostgreSQL for the ledger, MongoDB for documents');
  await card.getByRole('textbox', { name: 'Note (optional)' }).fill('decided in review');
  await shot('06-conflict-inbox');
  await card.getByRole('button', { name: 'Resolve' }).click();
  await page.getByRole('status').getByText('Resolved with MERGE').waitFor();
  await page.getByTestId('no-conflicts').waitFor();
  await shot('07-conflict-resolved');

  step = 'project page';
  await page.getByRole('link', { name: 'Payments platform' }).click();
  await page.getByRole('heading', { name: 'Payments platform' }).waitFor();
  await page.getByTestId('open-conflicts').getByText('0').waitFor();
  await page.getByText('PostgreSQL for the ledger, MongoDB for documents').first().waitFor();
  const covered = await page.locator('.bar-row').evaluateAll((rows) => rows.filter((r) => Number(r.dataset.coverage) > 0).length);
  assert(covered >= 1, 'no category shows any coverage');
  await shot('08-project');

  step = 'download the export';
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download export (Markdown)' }).click(),
  ]);
  const exportPath = join(outDir, 'export.md');
  await download.saveAs(exportPath);
  const md = readFileSync(exportPath, 'utf8');
  assert(md.includes('Payments platform'), 'the export does not name the project');
  assert(md.includes('PostgreSQL for the ledger'), 'the export lacks the merged specification');
  log(`export saved as ${download.suggestedFilename()} (${md.length} bytes)`);

  step = 'sign out and in';
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await shot('09-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.project-row', { hasText: 'Payments platform' }).waitFor();

  step = 'reload keeps the session';
  await page.reload();
  await page.locator('.project-row', { hasText: 'Payments platform' }).waitFor();

  step = 'no other hosts';
  assert(external.length === 0, `the app requested other hosts: ${external.join(', ')}`);
  const errors = consoleLines.filter((l) => l.startsWith('[pageerror]'));
  assert(errors.length === 0, `the page threw:\n${errors.join('\n')}`);
  const noise = consoleLines.filter((l) => !l.startsWith('[log]') && !l.startsWith('[debug]') && !l.startsWith('[info]'));
  if (noise.length > 0) log('browser console (warnings and errors; one 401 is the refused token above):\n' + noise.join('\n'));
  log('ok');
} catch (err) {
  failed = true;
  console.error(`flow: FAILED at step "${step}": ${err?.stack ?? err}`);
  console.error('browser console:\n' + consoleLines.join('\n'));
  if (page) {
    await page.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(`flow: the page at failure (${page.url()}) is in ${join(outDir, 'failure.png')}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
