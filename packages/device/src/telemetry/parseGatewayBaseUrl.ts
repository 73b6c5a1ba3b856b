// The gateway's base URL as devices configure it: http(s), no credentials (the URL is shown in
// messages and logs), no query or fragment, ending in `/` so paths resolve below it.

import { VeriotError } from '@veriot/core'

/** @throws INVALID_ARGUMENT for an unparsable URL, another scheme, or user info */
export function parseGatewayBaseUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch (cause) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"baseUrl" expected an http(s) URL, got an unparsable string',
      { cause },
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"baseUrl" expected http: or https:, got ${url.protocol}`,
    )
  }
  if (url.username !== '' || url.password !== '') {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"baseUrl" expected no credentials, got a URL with user info',
    )
  }
  url.search = ''
  url.hash = ''
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url
}
