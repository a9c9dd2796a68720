import type { FullConfig } from '@playwright/test';

const WAIT_LIMIT_MS = 120_000;
const ATTEMPT_TIMEOUT_MS = 5_000;
const DELAY_BETWEEN_ATTEMPTS_MS = 500;

/**
 * Waits until the Bazaar server answers `GET /` with HTTP 200, so that the
 * first test does not race the server's start-up (database seeding, etc.).
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const configured = config.projects.find((p) => p.use.baseURL)?.use.baseURL;
  const baseURL = configured ?? process.env.BAZAAR_BASE_URL ?? 'http://127.0.0.1:3000';
  const url = new URL('/', baseURL).toString();

  const deadline = Date.now() + WAIT_LIMIT_MS;
  let lastProblem = 'no attempt made';

  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
      // Drain the body so the connection is released.
      await response.arrayBuffer();
      if (response.status === 200) {
        return;
      }
      lastProblem = `HTTP ${response.status} ${response.statusText}`;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      lastProblem = `${String(error)}${cause ? ` (${String(cause)})` : ''}`;
    }
    await new Promise((resolve) => setTimeout(resolve, DELAY_BETWEEN_ATTEMPTS_MS));
  }

  throw new Error(
    `Bazaar server at ${url} did not answer HTTP 200 within ${WAIT_LIMIT_MS / 1000} s ` +
      `(last problem: ${lastProblem}). Start the server first, or set BAZAAR_BASE_URL ` +
      `to where it listens.`,
  );
}
