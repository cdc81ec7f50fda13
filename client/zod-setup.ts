// No eval in the browser: the Content-Security-Policy forbids it, and zod need not try. Imported
// first by the entry, so it runs before any module builds a schema (zod decides at that moment).
import { z } from 'zod';

z.config({ jitless: true });
