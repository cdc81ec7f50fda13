export function findBrowser(options?: { install?: boolean; log?: (line: string) => void }): string | null;
