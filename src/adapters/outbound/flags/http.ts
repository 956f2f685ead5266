/** One JSON request to a flag provider, its failures as FlagProviderError naming the provider. */
import { FlagProviderError } from '../../../flows/ports/flags.js';

export async function callProvider(
  provider: string,
  url: string,
  init: RequestInit,
  signal?: AbortSignal,
): Promise<unknown> {
  const timeout = AbortSignal.timeout(10_000);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    const failure = error as { name?: string; cause?: { code?: string }; message?: string };
    if (failure.name === 'TimeoutError')
      throw new FlagProviderError(`${provider} did not answer within 10 s`);
    throw new FlagProviderError(
      `cannot reach ${provider} (${failure.cause?.code ?? failure.message ?? String(error)})`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 200);
    try {
      const body = JSON.parse(text) as { message?: string; code?: string };
      message = body.message ?? body.code ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new FlagProviderError(`${provider} answered HTTP ${response.status}: ${message}`);
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}
