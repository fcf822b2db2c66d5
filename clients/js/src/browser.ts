/**
 * What a browser record carries in metadata about the browser: the keys the analysts' questions
 * use ("브라우저별 에러" reads metadata->>'browser'): browser, browser_version, os, device.
 */

export interface BrowserInfo {
  browser: string;
  browser_version?: string;
  os: string;
  device: 'mobile' | 'tablet' | 'desktop';
}

const BROWSERS: Array<[string, RegExp]> = [
  ['Edge', /Edg(?:e|A|iOS)?\/(\d+(?:\.\d+)?)/],
  ['Opera', /(?:OPR|Opera)\/(\d+(?:\.\d+)?)/],
  ['Samsung Internet', /SamsungBrowser\/(\d+(?:\.\d+)?)/],
  ['Firefox', /(?:Firefox|FxiOS)\/(\d+(?:\.\d+)?)/],
  ['Chrome', /(?:HeadlessChrome|Chrome|CriOS)\/(\d+(?:\.\d+)?)/],
  ['Safari', /Version\/(\d+(?:\.\d+)?).*Safari\//],
];

const SYSTEMS: Array<[string, RegExp]> = [
  ['iOS', /iPhone|iPad|iPod/],
  ['Android', /Android/],
  ['ChromeOS', /CrOS/],
  ['Windows', /Windows/],
  ['macOS', /Mac OS X|Macintosh/],
  ['Linux', /Linux/],
];

export function parseUserAgent(ua: string): BrowserInfo {
  let browser = 'Other';
  let version: string | undefined;
  for (const [name, re] of BROWSERS) {
    const m = re.exec(ua);
    if (m) {
      browser = name;
      version = m[1].includes('.') ? m[1] : `${m[1]}.0`;
      break;
    }
  }
  const os = SYSTEMS.find(([, re]) => re.test(ua))?.[0] ?? 'Other';
  const device = /iPad|Tablet/.test(ua) || (/Android/.test(ua) && !/Mobile/.test(ua))
    ? 'tablet'
    : /Mobi|iPhone|iPod/.test(ua)
      ? 'mobile'
      : 'desktop';
  const info: BrowserInfo = { browser, os, device };
  if (version) info.browser_version = version;
  return info;
}

export function currentBrowserInfo(): BrowserInfo | undefined {
  const ua = (globalThis as any).navigator?.userAgent;
  return typeof ua === 'string' && ua ? parseUserAgent(ua) : undefined;
}
