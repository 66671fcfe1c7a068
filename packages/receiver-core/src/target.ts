/** `host:port` of a URL for `receiver.target`: never the credentials, the path or the query. */
export function targetOf(url: string, defaultPort?: number): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (defaultPort === undefined ? '' : String(defaultPort));
    return port ? `${parsed.hostname}:${port}` : parsed.hostname;
  } catch {
    return '(invalid URL)';
  }
}
